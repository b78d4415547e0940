-- Staged rollouts (docs/orchestrator.md, "Staged rollouts"): one row per upstream commit the
-- orchestrators have seen, newest last (seq). state: canary (only canary agents are served it),
-- promoted (everyone), halted (everyone stays on previous_id), superseded (a newer commit came
-- before it ended).

CREATE TABLE orchestrator_rollouts (
    commit_id    text PRIMARY KEY,
    seq          bigserial NOT NULL UNIQUE,
    previous_id  text,                       -- what non-canary agents keep meanwhile (the last promoted commit)
    state        text NOT NULL CHECK (state IN ('canary', 'promoted', 'halted', 'superseded')),
    canary       text NOT NULL,              -- nervesys.rollout.canary when it started
    started_at   timestamptz NOT NULL,
    soaked_since timestamptz,                -- since when every canary has run it healthy
    ended_at     timestamptz,
    reason       text
);
