-- Per route figures of the beating agent (docs/heartbeat.md, "Route figures"), JSON text:
-- {"<route id>": {"n": exchanges, "f": failed, "mean": ms, "max": ms, "up": s}, ...}.
ALTER TABLE agent_status ADD COLUMN route_stats TEXT;
