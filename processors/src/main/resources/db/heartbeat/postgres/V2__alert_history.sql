-- Alert history (docs/alerts.md): one row per alert, updated as its count and delivery change.
CREATE TABLE IF NOT EXISTS alert_history (
    alert_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    server TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL,
    label TEXT NOT NULL,
    level TEXT,
    message TEXT,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    count BIGINT NOT NULL,
    status TEXT NOT NULL,
    channels TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    closed_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS alert_history_agent_seen ON alert_history (agent_id, last_seen DESC);
CREATE INDEX IF NOT EXISTS alert_history_fingerprint ON alert_history (fingerprint);
