-- Alert silences (docs/alerts.md, "Silences"): written by `nervesys alerts silence`, read by every
-- agent of the database (route alerts-silences). A silence holds back the notifications of the alert
-- groups whose labels it matches, from starts_at to ends_at, unless expired earlier (expired_at).
CREATE TABLE IF NOT EXISTS alert_silence (
    id TEXT PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    comment TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expired_at TIMESTAMPTZ
);
