package dev.nervesys.live;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames written to live view clients and not yet on their sockets, bounded for all clients
 * together by {@code nervesys.live.clientsBufferBytes}: each client may hold its share,
 * {@code min(clientBufferBytes, clientsBufferBytes / clients)}, and always one frame. The per-client
 * bound alone is no bound: 200 clients that stopped reading held 1 MB each, and at -Xmx256m the agent
 * ran out of heap (docs/validation.md, live view). A client that reads keeps next to nothing unsent,
 * so the clients that stall cannot take the room of those that read. Only the hub's worker takes;
 * the event loops give back when a frame has left (or failed with its connection).
 */
final class SendBudget {

    private final long limit;
    private final long perClient;
    private final AtomicLong unsent = new AtomicLong();
    private volatile int clients = 1;
    private volatile long highest;

    SendBudget(long limit, long perClient) {
        this.limit = limit;
        this.perClient = perClient;
    }

    /** What one client may hold unsent, now that {@code clients} are connected. */
    long share() {
        return Math.max(1, Math.min(perClient, limit / Math.max(1, clients)));
    }

    void clients(int n) {
        clients = n;
    }

    void took(long bytes) {
        long now = unsent.addAndGet(bytes);
        if (now > highest) {
            highest = now;
        }
    }

    void gave(long bytes) {
        unsent.addAndGet(-bytes);
    }

    long unsent() {
        return unsent.get();
    }

    /** The most that was ever unsent at once, for the console and the tests. */
    long highest() {
        return highest;
    }
}
