package dev.nervesys.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.nervesys.spi.Rfc3339;
import java.io.IOException;
import java.util.Arrays;

/**
 * One telemetry record (docs/records.md): the members the ClickHouse shipper, the Kafka sink and the
 * live view need, the numeric fields as parallel arrays, and the byte range of the raw
 * {@code fields} object (stored as JSON text without re-encoding).
 *
 * <p>Read first by {@link TelemetryScanner}, a hand-written scanner of the common case that only
 * ever accepts (valid JSON it is sure of, the same values Jackson gives); anything else goes to
 * Jackson's streaming parser, which alone decides about refusals and words their messages. One
 * instance can be reused for many records ({@link #read(byte[])}): it then hands out the same
 * String objects for a run id, source or field name that repeats the one before (the encoders
 * compare them by identity).
 */
public final class Telemetry {

    private static final JsonFactory JSON = new JsonFactory();

    public String runId;
    public String source;
    public String type;
    public long frame = -1;
    /** Epoch seconds and nanoseconds of {@code time} (an RFC 3339 string or integer epoch nanoseconds). */
    public long epochSecond;
    public int nanos;
    public long seq = -1;
    public int fieldsStart = -1;
    public int fieldsEnd = -1;
    public String[] names = new String[16];
    public double[] values = new double[16];
    public int count;
    /** The scanner's memory of strings seen before (null until this instance is read by it). */
    TelemetryScanner.Strings seen;

    /** Parses a record; throws {@link IllegalArgumentException} with the reason when it is not telemetry. */
    public static Telemetry parse(byte[] body) {
        Telemetry t = new Telemetry();
        t.read(body);
        return t;
    }

    /**
     * Reads a record into this instance (every member of the previous one is forgotten); throws
     * {@link IllegalArgumentException} with the reason when it is not telemetry, as {@link #parse}.
     */
    public Telemetry read(byte[] body) {
        reset();
        if (TelemetryScanner.read(this, body)) {
            return this;
        }
        reset();
        readJackson(body);
        return this;
    }

    /** Whether the scanner read the last record (tests: the Jackson path must agree with it). */
    boolean scanned;

    void reset() {
        runId = null;
        source = null;
        type = null;
        frame = -1;
        epochSecond = 0;
        nanos = 0;
        seq = -1;
        fieldsStart = -1;
        fieldsEnd = -1;
        count = 0;
        scanned = false;
    }

    /**
     * The bounds of a record's first top-level {@code run_id} string in its bytes, {@code from << 32 | to}
     * (UTF-8, no escapes in it), or -1 when only a JSON parser can tell (Kafka keys: docs/kafka.md).
     */
    public static long runIdBounds(byte[] body) {
        return TelemetryScanner.runIdBounds(body);
    }

    /** Tests: the record read by Jackson only. */
    static Telemetry parseJackson(byte[] body) {
        Telemetry t = new Telemetry();
        t.readJackson(body);
        return t;
    }

    public long timeNanos() {
        return epochSecond * 1_000_000_000L + nanos;
    }

    public double timeMillis() {
        return epochSecond * 1000.0 + nanos / 1e6;
    }

    private void readJackson(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String time = null;
            long timeNanos = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "run_id" -> runId = text(p, v, name);
                    case "source" -> source = text(p, v, name);
                    case "type" -> type = text(p, v, name);
                    case "time" -> {
                        if (v == JsonToken.VALUE_NUMBER_INT) {
                            timeNanos = unsigned(p, v, name);
                            time = null;
                        } else if (v == JsonToken.VALUE_STRING) {
                            time = p.getText();
                            timeNanos = -1;
                        } else {
                            throw new IllegalArgumentException("time must be an RFC 3339 string or integer epoch nanoseconds");
                        }
                    }
                    case "frame" -> frame = unsigned(p, v, name);
                    case "seq" -> seq = v == JsonToken.VALUE_NULL ? -1 : unsigned(p, v, name);
                    case "fields" -> readFields(p, v);
                    default -> p.skipChildren();
                }
            }
            byte[] b = time == null ? null : Rfc3339.latin1(time);
            finish(time, b, 0, b == null ? 0 : b.length, timeNanos);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getMessage());
        }
    }

    /**
     * The checks after reading, common to both readers: the required members, the type, and the time
     * ({@code timeText[from, to)} as Latin-1 bytes when it was a string, {@code time} that string or
     * null when the bytes are ASCII; else {@code timeNanos}).
     */
    void finish(String time, byte[] timeText, int from, int to, long timeNanos) {
        if (runId == null || runId.isEmpty() || source == null || type == null || (timeText == null && timeNanos < 0) || frame < 0
                || fieldsStart < 0) {
            throw new IllegalArgumentException("not a telemetry record (run_id, source, type, frame, time, fields)");
        }
        if (!type.equals("update") && !type.equals("event")) {
            throw new IllegalArgumentException("type must be update or event: " + type);
        }
        if (timeText != null) {
            try {
                epochSecond = Rfc3339.epochSecond(timeText, from, to);
            } catch (IllegalArgumentException e) {
                if (time == null) {
                    time = new String(timeText, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
                }
                throw new IllegalArgumentException("time " + (time.length() <= 40 ? time : time.substring(0, 40) + "...")
                        + ": " + e.getMessage());
            }
            nanos = Rfc3339.nanos(timeText, from, to);
        } else {
            epochSecond = timeNanos / 1_000_000_000L;
            nanos = (int) (timeNanos % 1_000_000_000L);
        }
    }

    /** One more numeric field. */
    void add(String name, double value) {
        if (count == names.length) {
            names = Arrays.copyOf(names, count * 2);
            values = Arrays.copyOf(values, count * 2);
        }
        names[count] = name;
        values[count++] = value;
    }

    private void readFields(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("fields must be an object");
        }
        fieldsStart = (int) p.currentTokenLocation().getByteOffset();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                add(name, p.getDoubleValue());
            } else {
                p.skipChildren();
            }
        }
        fieldsEnd = (int) p.currentTokenLocation().getByteOffset() + 1;
    }

    private static String text(JsonParser p, JsonToken v, String name) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return p.getText();
    }

    private static long unsigned(JsonParser p, JsonToken v, String name) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
            throw new IllegalArgumentException(name + " must be an integer from 0 to 2^63-1");
        }
        return p.getLongValue();
    }
}
