-- Per route figures of the beating agent (docs/heartbeat.md, "Route figures"; read by the console's
-- performance page): {"<route id>": {"n": exchanges, "f": failed, "mean": ms, "max": ms, "up": s}, ...},
-- Camel's counters since the route (re)started. NULL from agents older than this column.
ALTER TABLE agent_status ADD COLUMN IF NOT EXISTS route_stats JSONB;
