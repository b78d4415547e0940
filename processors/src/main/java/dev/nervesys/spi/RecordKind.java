package dev.nervesys.spi;

/**
 * What a buffered row holds. Stored as a small integer so that later consumers (the ClickHouse
 * shipper, the log classifier) can pick their rows without parsing bodies.
 */
public enum RecordKind {
    LOG(1),
    TELEMETRY(2),
    POINT(3);

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static RecordKind of(int code) {
        for (RecordKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown record kind code " + code);
    }

    /** The name used in archives and docs: log, telemetry, point. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
