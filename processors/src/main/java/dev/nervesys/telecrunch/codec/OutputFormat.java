package dev.nervesys.telecrunch.codec;

import java.io.OutputStream;
import java.util.Locale;

/** Text output formats of decoded or generated records. */
public enum OutputFormat {
    NDJSON(".ndjson", "application/x-ndjson"),
    LP(".lp", "text/plain; charset=utf-8"),
    CSV(".csv", "text/csv; charset=utf-8");

    private final String extension;
    private final String contentType;

    OutputFormat(String extension, String contentType) {
        this.extension = extension;
        this.contentType = contentType;
    }

    public String extension() {
        return extension;
    }

    public String contentType() {
        return contentType;
    }

    public static OutputFormat of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown format '" + name + "' (ndjson, lp, csv)");
        }
    }

    /** A writer of this format on {@code out}; the writer does not close {@code out}. */
    public RecordWriter open(dev.nervesys.telecrunch.schema.Schema schema, OutputStream out) {
        return switch (this) {
            case NDJSON -> new NdjsonWriter(out);
            case LP -> new LineProtocolWriter(out);
            case CSV -> new CsvWriter(schema, out);
        };
    }
}
