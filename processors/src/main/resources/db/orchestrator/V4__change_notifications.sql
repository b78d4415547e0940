-- Cache invalidation across orchestrators (docs/orchestrator.md, "Scale"): every orchestrator keeps
-- the credentials it checked and the newest rollout in memory and LISTENs on these channels; any
-- change of what those caches hold, by an orchestrator, a command (`nervesys agents revoke`) or by
-- hand in SQL, notifies them at its commit. Payload of nervesys_orchestrator_agents: the agent id,
-- or '*' (TRUNCATE: forget every agent). seen_at updates (refresh) notify nobody.

CREATE FUNCTION nervesys_orchestrator_agent_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('nervesys_orchestrator_agents', '*');
    ELSE
        PERFORM pg_notify('nervesys_orchestrator_agents', OLD.agent_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER orchestrator_agents_changed AFTER UPDATE ON orchestrator_agents FOR EACH ROW
    WHEN (OLD.credential_hash IS DISTINCT FROM NEW.credential_hash OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.group_name IS DISTINCT FROM NEW.group_name OR OLD.agent_id IS DISTINCT FROM NEW.agent_id)
    EXECUTE FUNCTION nervesys_orchestrator_agent_changed();
CREATE TRIGGER orchestrator_agents_deleted AFTER DELETE ON orchestrator_agents FOR EACH ROW
    EXECUTE FUNCTION nervesys_orchestrator_agent_changed();
CREATE TRIGGER orchestrator_agents_truncated AFTER TRUNCATE ON orchestrator_agents FOR EACH STATEMENT
    EXECUTE FUNCTION nervesys_orchestrator_agent_changed();

CREATE FUNCTION nervesys_orchestrator_rollout_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nervesys_orchestrator_rollouts', '');
    RETURN NULL;
END $$;

-- per row: an UPDATE that changes nothing (a conditional one, every rollout check) notifies nobody
CREATE TRIGGER orchestrator_rollouts_changed AFTER INSERT OR UPDATE OR DELETE ON orchestrator_rollouts
    FOR EACH ROW EXECUTE FUNCTION nervesys_orchestrator_rollout_changed();
CREATE TRIGGER orchestrator_rollouts_truncated AFTER TRUNCATE ON orchestrator_rollouts
    FOR EACH STATEMENT EXECUTE FUNCTION nervesys_orchestrator_rollout_changed();
