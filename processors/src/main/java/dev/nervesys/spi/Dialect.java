package dev.nervesys.spi;

/** The two databases heartbeats and alert history go to; each has its own migrations and SQL. */
public enum Dialect {
    POSTGRES("postgres"),
    SQLITE("sqlite");

    private final String folder;

    Dialect(String folder) {
        this.folder = folder;
    }

    /** Folder under db/heartbeat/ holding this dialect's migrations and statements. */
    public String folder() {
        return folder;
    }
}
