package dev.nervesys.runs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;

/**
 * One telemetry record (docs/records.md) read with Jackson's streaming parser: the members the
 * ClickHouse shipper and the live view need, the numeric fields as parallel arrays, and the byte
 * range of the raw {@code fields} object (stored as JSON text without re-encoding).
 */
public final class Telemetry {

    private static final JsonFactory JSON = new JsonFactory();

    public String runId;
    public String source;
    public String type;
    public long frame = -1;
    /** Epoch seconds and nanoseconds of {@code time}. */
    public long epochSecond;
    public int nanos;
    public long seq = -1;
    public int fieldsStart = -1;
    public int fieldsEnd = -1;
    public String[] names = new String[16];
    public double[] values = new double[16];
    public int count;

    /** Parses a record; throws {@link IllegalArgumentException} with the reason when it is not telemetry. */
    public static Telemetry parse(byte[] body) {
        Telemetry t = new Telemetry();
        t.read(body);
        return t;
    }

    public long timeNanos() {
        return epochSecond * 1_000_000_000L + nanos;
    }

    public double timeMillis() {
        return epochSecond * 1000.0 + nanos / 1e6;
    }

    private void read(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String time = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "run_id" -> runId = text(p, v, name);
                    case "source" -> source = text(p, v, name);
                    case "type" -> type = text(p, v, name);
                    case "time" -> time = text(p, v, name);
                    case "frame" -> frame = unsigned(p, v, name);
                    case "seq" -> seq = v == JsonToken.VALUE_NULL ? -1 : unsigned(p, v, name);
                    case "fields" -> readFields(p, v);
                    default -> p.skipChildren();
                }
            }
            if (runId == null || runId.isEmpty() || source == null || type == null || time == null || frame < 0
                    || fieldsStart < 0) {
                throw new IllegalArgumentException("not a telemetry record (run_id, source, type, frame, time, fields)");
            }
            if (!type.equals("update") && !type.equals("event")) {
                throw new IllegalArgumentException("type must be update or event: " + type);
            }
            parseTime(time);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getMessage());
        }
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
                if (count == names.length) {
                    names = Arrays.copyOf(names, count * 2);
                    values = Arrays.copyOf(values, count * 2);
                }
                names[count] = name;
                values[count++] = p.getDoubleValue();
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

    /** RFC 3339 without allocating a java.time object: this runs for every record shipped. */
    private void parseTime(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            throw new IllegalArgumentException("time is not RFC 3339: " + s);
        }
        int year = num(s, 0, 4);
        int month = num(s, 5, 2);
        int day = num(s, 8, 2);
        int hour = num(s, 11, 2);
        int minute = num(s, 14, 2);
        int second = Math.min(59, num(s, 17, 2));
        int i = 19;
        int ns = 0;
        if (s.charAt(i) == '.') {
            int digits = 0;
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) {
                if (digits < 9) {
                    ns = ns * 10 + (s.charAt(i) - '0');
                    digits++;
                }
                i++;
            }
            for (; digits < 9; digits++) {
                ns *= 10;
            }
        }
        if (i >= n) {
            throw new IllegalArgumentException("time has no zone: " + s);
        }
        int offset = 0;
        char z = s.charAt(i);
        if (z == '+' || z == '-') {
            if (n != i + 6) {
                throw new IllegalArgumentException("bad zone offset: " + s);
            }
            offset = (num(s, i + 1, 2) * 60 + num(s, i + 4, 2)) * 60 * (z == '-' ? -1 : 1);
        } else if ((z != 'Z' && z != 'z') || n != i + 1) {
            throw new IllegalArgumentException("bad zone: " + s);
        }
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) {
            throw new IllegalArgumentException("time out of range: " + s);
        }
        epochSecond = daysFromCivil(year, month, day) * 86400L + hour * 3600L + minute * 60L + second - offset;
        nanos = ns;
    }

    private static int num(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("time is not RFC 3339: " + s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Howard Hinnant's days_from_civil. */
    private static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
