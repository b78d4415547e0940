package dev.nervesys.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer that writes JSON; reused per request to avoid garbage on the hot path. */
final class JsonOut {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] buf = new byte[512];
    private int len;

    void reset() {
        len = 0;
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    JsonOut raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    JsonOut raw(String ascii) {
        ensure(ascii.length());
        for (int i = 0; i < ascii.length(); i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    /** A long in decimal, as Long.toString writes it, without the String. */
    JsonOut rawLong(long v) {
        if (v == Long.MIN_VALUE) {
            return raw(Long.toString(v));
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len += digits;
        return this;
    }

    JsonOut raw(byte[] src, int from, int to) {
        ensure(to - from);
        System.arraycopy(src, from, buf, len, to - from);
        len += to - from;
        return this;
    }

    /** A JSON string whose bytes need no escaping, between quotes. */
    JsonOut quoted(byte[] src, int from, int to) {
        ensure(to - from + 2);
        buf[len++] = '"';
        System.arraycopy(src, from, buf, len, to - from);
        len += to - from;
        buf[len++] = '"';
        return this;
    }

    JsonOut string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return string(b, 0, b.length);
    }

    /** A quoted JSON string from UTF-8 bytes; bytes >= 0x80 pass through unchanged. */
    JsonOut string(byte[] src, int from, int to) {
        ensure(to - from + 2);
        buf[len++] = '"';
        for (int i = from; i < to; i++) {
            byte c = src[i];
            if (c == '"' || c == '\\') {
                ensure(2 + to - i);
                buf[len++] = '\\';
                buf[len++] = c;
            } else if (c >= 0 && c < 0x20) {
                ensure(6 + to - i);
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xf];
            } else {
                buf[len++] = c;
            }
        }
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
