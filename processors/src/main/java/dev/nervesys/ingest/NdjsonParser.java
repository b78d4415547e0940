package dev.nervesys.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.nervesys.common.Utf8;
import dev.nervesys.spi.RecordKind;
import java.io.IOException;
import java.util.Arrays;

/**
 * Validates NDJSON records (docs/records.md) line by line and keeps each valid line's bytes as is:
 * the buffer stores what the client sent, so nothing is re-serialised on the hot path. A line with
 * {@code run_id} is telemetry, one with {@code level} or {@code message} a log record.
 * Valid ASCII lines are recognised by {@link NdjsonScanner} without a parser object; every other
 * line (and every error message) goes through Jackson's streaming parser.
 * Thread-safe: Jackson's factory is shared, parser state is per call.
 */
public final class NdjsonParser {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    public void parse(byte[] body, int length, ParsedBatch batch) {
        int line = 1;
        int pos = 0;
        while (pos < length) {
            int end = pos;
            while (end < length && body[end] != '\n') {
                end++;
            }
            int contentEnd = end > pos && body[end - 1] == '\r' ? end - 1 : end;
            int from = pos;
            while (from < contentEnd && (body[from] == ' ' || body[from] == '\t')) {
                from++;
            }
            if (from < contentEnd) {
                String error = validate(body, from, contentEnd, batch);
                if (error != null) {
                    batch.reject(line, error);
                }
            }
            line++;
            pos = end + 1;
        }
    }

    private static String validate(byte[] body, int from, int to, ParsedBatch batch) {
        int kind = NdjsonScanner.classify(body, from, to);
        if (kind != NdjsonScanner.UNSURE) {
            batch.add(kind == NdjsonScanner.TELEMETRY ? RecordKind.TELEMETRY : RecordKind.LOG, Arrays.copyOfRange(body, from, to));
            return null;
        }
        // the exact verdict and wording for everything else (errors, non-ASCII, escapes): Jackson
        return validateWithJackson(body, from, to, batch);
    }

    /** The reference validation: decides every line the scanner is unsure about, words every error. */
    static String validateWithJackson(byte[] body, int from, int to, ParsedBatch batch) {
        // Jackson lets overlong forms (C0 AF) and surrogates (ED A0 80) through: check first, as the
        // line-protocol parser does, so the archive never holds a line that is not UTF-8
        String utf8 = invalidUtf8(body, from, to);
        if (utf8 != null) {
            return utf8;
        }
        RecordFields f = new RecordFields();
        try (JsonParser p = JSON.createParser(body, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "not a JSON object";
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                String err = f.take(name, v, p);
                if (err != null) {
                    return err;
                }
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    if (!name.equals("fields")) {
                        p.skipChildren();
                    }
                }
            }
            if (t != JsonToken.END_OBJECT) {
                return "not a JSON object";
            }
            if (p.nextToken() != null) {
                return "more than one JSON value on the line";
            }
        } catch (JsonProcessingException e) {
            return "invalid JSON: " + e.getOriginalMessage();
        } catch (IOException e) {
            return "unreadable line: " + e.getMessage();
        }
        String err = f.check();
        if (err != null) {
            return err;
        }
        batch.add(f.telemetry ? RecordKind.TELEMETRY : RecordKind.LOG, Arrays.copyOfRange(body, from, to));
        return null;
    }

    /** Null when {@code b[from, to)} is strict UTF-8 (RFC 3629), else the error naming the first bad byte. */
    static String invalidUtf8(byte[] b, int from, int to) {
        for (int i = from; i < to; ) {
            if (b[i] >= 0) {
                i++;
                continue;
            }
            int next = Utf8.sequenceEnd(b, i, to);
            if (next < 0) {
                return "invalid UTF-8 at byte " + (i - from + 1) + " of the line";
            }
            i = next;
        }
        return null;
    }
}
