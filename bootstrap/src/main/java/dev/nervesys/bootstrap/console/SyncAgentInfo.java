package dev.nervesys.bootstrap.console;

import dev.nervesys.bootstrap.reload.SyncState;
import dev.nervesys.spi.AgentInfo;

import java.time.Instant;

/** The runtime's view of itself for capabilities (the heartbeat), bound as bean {@code agentInfo}. */
public final class SyncAgentInfo implements AgentInfo {

    private final SyncState state;
    private final String version;
    private final Instant startedAt = Instant.now();

    public SyncAgentInfo(SyncState state, String version) {
        this.state = state;
        this.version = version;
    }

    @Override
    public String appliedRevision() {
        SyncState.Applied a = state.applied();
        return a == null ? null : a.id();
    }

    /** Only a rejection newer than the applied revision counts: an older one was superseded. */
    private SyncState.Rejected currentRejection() {
        SyncState.Rejected r = state.rejected();
        SyncState.Applied a = state.applied();
        return r == null || a != null && !r.at().isAfter(a.appliedAt()) ? null : r;
    }

    @Override
    public String rejectedRevision() {
        SyncState.Rejected r = currentRejection();
        return r == null ? null : r.id();
    }

    @Override
    public String rejectedError() {
        SyncState.Rejected r = currentRejection();
        return r == null ? null : r.error();
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }
}
