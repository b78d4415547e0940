-- Orchestrator state (docs/orchestrator.md), in the database of agent_status. Applied by Flyway
-- (history table orchestrator_schema_history) when an orchestrator or a token/agents command first
-- uses the database. Secrets are stored as their SHA-256 only.

CREATE TABLE orchestrator_tokens (
    token_id    text PRIMARY KEY,            -- first 12 hex digits of token_hash: what lists and audits show
    token_hash  text NOT NULL UNIQUE,
    group_name  text NOT NULL,
    max_uses    integer NOT NULL CHECK (max_uses > 0),
    uses        integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE TABLE orchestrator_agents (
    agent_id        text PRIMARY KEY,
    group_name      text NOT NULL,
    credential_hash text NOT NULL UNIQUE,
    token_id        text NOT NULL,
    host            text,
    enrolled_at     timestamptz NOT NULL,
    seen_at         timestamptz,
    revoked_at      timestamptz
);

CREATE TABLE orchestrator_audit (
    id        bigserial PRIMARY KEY,
    ts        timestamptz NOT NULL,
    event     text NOT NULL,                 -- token-create, token-revoke, enroll, enroll-refused, refresh-refused, git-refused, agent-revoke
    token_id  text,
    agent_id  text,
    remote    text,
    status    integer,
    message   text NOT NULL
);

CREATE INDEX orchestrator_audit_ts ON orchestrator_audit (ts);
