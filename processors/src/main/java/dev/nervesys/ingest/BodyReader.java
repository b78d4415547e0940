package dev.nervesys.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** Request bodies: the size limit (413) before and after {@code Content-Encoding: gzip}. */
final class BodyReader {

    private final long maxBytes;

    BodyReader(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    byte[] decode(byte[] wire, String contentEncoding) throws IngestRejected {
        if (wire == null) {
            return new byte[0];
        }
        if (wire.length > maxBytes) {
            throw tooLarge();
        }
        if (contentEncoding == null || contentEncoding.isBlank() || contentEncoding.equalsIgnoreCase("identity")) {
            return wire;
        }
        if (!contentEncoding.trim().equalsIgnoreCase("gzip")) {
            throw new IngestRejected(415, "unsupported Content-Encoding '" + contentEncoding + "' (use gzip or none)");
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(wire), 64 * 1024)) {
            byte[] out = new byte[(int) Math.min(maxBytes + 1, Math.max(1024, (long) wire.length * 8))];
            int len = 0;
            while (true) {
                if (len == out.length) {
                    if (len > maxBytes) {
                        throw tooLarge();
                    }
                    out = Arrays.copyOf(out, (int) Math.min(maxBytes + 1, (long) out.length * 2));
                }
                int r = in.read(out, len, out.length - len);
                if (r < 0) {
                    break;
                }
                len += r;
            }
            if (len > maxBytes) {
                throw tooLarge();
            }
            return len == out.length ? out : Arrays.copyOf(out, len);
        } catch (IOException e) {
            // a truncated stream is an EOFException without a message ("not valid gzip: null")
            throw new IngestRejected(400, "body is not valid gzip: "
                    + (e instanceof java.io.EOFException || e.getMessage() == null ? "unexpected end of the gzip data (truncated body?)" : e.getMessage()));
        }
    }

    private IngestRejected tooLarge() {
        return new IngestRejected(413, "body larger than " + maxBytes + " bytes (nervesys.ingest.maxBodyBytes, after gunzip too)");
    }
}
