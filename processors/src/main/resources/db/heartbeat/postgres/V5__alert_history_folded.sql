-- Lines an alert_history row stands for beyond its own fingerprint's (docs/alerts.md, "Storms"):
-- critical lines that the classifier's queue folded into the line that raised or repeated the alert
-- (same group, another message) rather than making an alert of each. The row stands for
-- count + folded lines; nothing else records them one by one.
ALTER TABLE alert_history ADD COLUMN IF NOT EXISTS folded BIGINT NOT NULL DEFAULT 0;
