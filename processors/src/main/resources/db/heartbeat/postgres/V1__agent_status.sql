-- One row per heartbeat (docs/heartbeat.md). Column names are read by the reports (issue 7): keep them.
CREATE TABLE IF NOT EXISTS agent_status (
    id BIGSERIAL PRIMARY KEY,
    agent_id TEXT NOT NULL,
    server TEXT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'critical')),
    status_reason TEXT,
    metrics JSONB NOT NULL,
    alerts JSONB NOT NULL DEFAULT '[]'::jsonb,
    last_action TEXT,
    uptime_seconds BIGINT,
    config_revision TEXT,
    config_rejected_revision TEXT,
    config_rejected_error TEXT,
    buffer_rows BIGINT,
    buffer_dropped BIGINT,
    archive_lag_seconds BIGINT,
    ingest_rate DOUBLE PRECISION,
    agent_version TEXT,
    interval_seconds INTEGER,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- "latest status per agent" (docs/fleet.md) and idempotent re-sending of spooled beats
CREATE UNIQUE INDEX IF NOT EXISTS agent_status_agent_ts ON agent_status (agent_id, ts DESC);
CREATE INDEX IF NOT EXISTS agent_status_ts ON agent_status (ts DESC);
