INSERT INTO alert_history (alert_id, agent_id, server, fingerprint, rule, label, level, message, first_seen, last_seen, count, status, channels, attempts, last_error, closed_at)
VALUES (:#alert_id, :#agent_id, :#server, :#fingerprint, :#rule, :#label, :#level, :#message, :#first_seen, :#last_seen, :#count, :#status, :#channels, :#attempts, :#last_error, :#closed_at)
ON CONFLICT (alert_id) DO UPDATE SET last_seen = excluded.last_seen, count = excluded.count, status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error, closed_at = excluded.closed_at
