package dev.nervesys.orchestrator;

/** A request the orchestrator refuses: the HTTP status and the one-line message the client gets. */
public final class Refused extends Exception {

    private final int status;

    public Refused(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
