package dev.nervesys.orchestrator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Enrollment tokens and agent credentials: 256 random bits (SecureRandom), base64url, with a
 * prefix that says what they are ({@code nvt_} token, {@code nva_} agent credential). Only their
 * SHA-256 is stored. A slow password hash (bcrypt, argon2) protects low-entropy secrets people
 * choose; against a 256-bit random value a brute force is hopeless whatever the hash, so one
 * SHA-256 is enough and keeps each check to one indexed lookup (docs/orchestrator.md).
 */
public final class Secrets {

    public static final String TOKEN_PREFIX = "nvt_";
    public static final String CREDENTIAL_PREFIX = "nva_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    public static String newToken() {
        return TOKEN_PREFIX + random();
    }

    public static String newCredential() {
        return CREDENTIAL_PREFIX + random();
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * A token as printed when the orchestrators speak TLS: {@code nvt_<secret>.<certificate SHA-256 hex>}, so that
     * an agent given only the token can pin the certificate (docs/orchestrator.md, "TLS"). The secret part is what
     * is hashed and checked; '.' never occurs in base64url.
     */
    public static String withPin(String token, String fingerprint) {
        return fingerprint == null ? token : token + "." + fingerprint;
    }

    /** The secret part of a token ({@link #withPin}'s suffix cut off). */
    public static String tokenSecret(String token) {
        int dot = token.indexOf('.');
        return (dot < 0 ? token : token.substring(0, dot)).trim();
    }

    /** The certificate fingerprint a token carries, or null. */
    public static String tokenPin(String token) {
        int dot = token.indexOf('.');
        return dot < 0 || dot == token.length() - 1 ? null : token.substring(dot + 1).trim();
    }

    /** SHA-256, hex. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.trim().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public id of a token: the first 12 hex digits of its hash (what lists, audits and {@code token revoke} use). */
    public static String tokenId(String tokenHash) {
        return tokenHash.substring(0, 12);
    }
}
