package dev.nervesys.spi;

import java.time.Instant;

/**
 * What the runtime knows about itself and the processors cannot see (bootstrap's sync state):
 * bound by the bootstrap as bean {@code agentInfo}. The heartbeat looks it up per beat and leaves
 * the fields empty when no such bean exists (tests, older runtimes).
 */
public interface AgentInfo {

    /** Id of the config revision in force (commit id, {@code local-…}, {@code embedded-…}), or null. */
    String appliedRevision();

    /** Id of the last rejected revision, or null when none was rejected since the last applied one. */
    String rejectedRevision();

    /** Why that revision was rejected ({@code file:line: reason}, several joined by newlines), or null. */
    String rejectedError();

    /** The agent's version (the jar's Implementation-Version, {@code dev} when run from classes). */
    String version();

    /** When the agent started. */
    Instant startedAt();
}
