-- The embedded default (no nervesys.postgres.url): same columns as PostgreSQL; ts as RFC 3339 text,
-- JSON as text.
CREATE TABLE IF NOT EXISTS agent_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    server TEXT NOT NULL,
    ts TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'critical')),
    status_reason TEXT,
    metrics TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '[]',
    last_action TEXT,
    uptime_seconds INTEGER,
    config_revision TEXT,
    config_rejected_revision TEXT,
    config_rejected_error TEXT,
    buffer_rows INTEGER,
    buffer_dropped INTEGER,
    archive_lag_seconds INTEGER,
    ingest_rate REAL,
    agent_version TEXT,
    interval_seconds INTEGER,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS agent_status_agent_ts ON agent_status (agent_id, ts DESC);
CREATE INDEX IF NOT EXISTS agent_status_ts ON agent_status (ts DESC);
