package dev.nervesys.webconsole;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238, on HOTP, RFC 4226): 30-second steps from the Unix
 * epoch, HMAC-SHA1 and 6 digits as authenticator apps use them; SHA-256/512 and 8 digits for the
 * RFC's test vectors. A code is accepted for the step it was made in and one step either side
 * (clock drift between phone and server).
 */
public final class Totp {

    public static final long STEP_SECONDS = 30;
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private Totp() {
    }

    /** The step of {@code t}: floor(unix seconds / 30). */
    public static long step(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), STEP_SECONDS);
    }

    /** The code of {@code step} ({@code algorithm}: HmacSHA1, HmacSHA256 or HmacSHA512). */
    public static String code(byte[] key, long step, int digits, String algorithm) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, "RAW"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int off = h[h.length - 1] & 0x0f;
            int bin = ((h[off] & 0x7f) << 24) | ((h[off + 1] & 0xff) << 16) | ((h[off + 2] & 0xff) << 8) | (h[off + 3] & 0xff);
            int mod = 1;
            for (int i = 0; i < digits; i++) {
                mod *= 10;
            }
            return String.format(Locale.ROOT, "%0" + digits + "d", bin % mod);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no " + algorithm + " in this JVM", e);
        }
    }

    /**
     * The step a 6-digit SHA-1 {@code code} was made in, within one step of {@code now}, or -1
     * when it matches none. Compared in constant time.
     */
    public static long matchingStep(byte[] key, String code, Instant now) {
        if (code == null) {
            return -1;
        }
        String c = code.replace(" ", "");
        long found = -1;
        long s = step(now);
        for (long k = s - 1; k <= s + 1; k++) {
            if (MessageDigest.isEqual(code(key, k, 6, "HmacSHA1").getBytes(), c.getBytes()) && found < 0) {
                found = k;
            }
        }
        return found;
    }

    /** Decodes a Base32 secret (RFC 4648, as authenticator apps show it: padding, spaces and case ignored). */
    public static byte[] base32(String text) {
        String s = text.replace(" ", "").replace("=", "").toUpperCase(Locale.ROOT);
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (char ch : s.toCharArray()) {
            int v = BASE32.indexOf(ch);
            if (v < 0) {
                throw new IllegalArgumentException("TOTP secret is not Base32 (A-Z, 2-7)");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        if (out.position() < 10) {
            throw new IllegalArgumentException("TOTP secret too short (at least 16 Base32 characters, 80 bits)");
        }
        byte[] key = new byte[out.position()];
        out.flip().get(key);
        return key;
    }

    /** Encodes {@code key} as Base32 without padding (for the hash-password command's new secrets). */
    public static String toBase32(byte[] key) {
        StringBuilder b = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte x : key) {
            buffer = (buffer << 8) | (x & 0xff);
            bits += 8;
            while (bits >= 5) {
                b.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            b.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        }
        return b.toString();
    }
}
