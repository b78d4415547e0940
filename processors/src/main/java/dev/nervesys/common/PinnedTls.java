package dev.nervesys.common;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Certificate pinning of the orchestrator's TLS port (docs/orchestrator.md, "TLS"): an agent
 * accepts exactly the certificate whose SHA-256 fingerprint it was given at enrollment, and no
 * other, whoever signed it. The pin replaces CA and host-name validation: it names one certificate,
 * so the orchestrator may sit behind any address (a load balancer, a changed
 * {@code NERVESYS_ORCHESTRATOR_URL}).
 *
 * <p>The pins of this process are kept by origin ({@code https://host:port}) so that every client
 * of the agent that talks to the orchestrator (enrollment, the Git fetch through JGit's global
 * connection factory, the long-poll, heartbeats) finds it by URL.
 */
public final class PinnedTls {

    private static final Map<String, String> PINS = new ConcurrentHashMap<>();

    private PinnedTls() {
    }

    /** The certificate was not the pinned one. */
    public static final class Mismatch extends CertificateException {
        private final String presented;

        Mismatch(String presented, String pinned) {
            super("the orchestrator presented the certificate with SHA-256 fingerprint " + display(presented)
                    + ", not the pinned " + display(pinned));
            this.presented = presented;
        }

        public String presented() {
            return presented;
        }
    }

    /** SHA-256 of the certificate's DER encoding, 64 lower-case hex digits (what openssl x509 -fingerprint -sha256 shows, without colons). */
    public static String fingerprint(Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fingerprint as given by a person or a token: hex with or without colons or spaces, any case.
     *
     * @throws IllegalArgumentException unless it is 32 bytes of hex
     */
    public static String normalize(String fingerprint) {
        String hex = fingerprint == null ? "" : fingerprint.replaceAll("[:\\s]", "").toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a certificate fingerprint is the SHA-256 in hex (64 digits, colons allowed), not '"
                    + (fingerprint == null ? "" : fingerprint.strip()) + "'");
        }
        return hex;
    }

    /** AB:CD:… (openssl's form), for people. */
    public static String display(String fingerprint) {
        String hex = fingerprint.toUpperCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, Math.min(hex.length(), i + 2));
        }
        return b.toString();
    }

    /** A client context that trusts exactly the certificate with this fingerprint. */
    public static SSLContext context(String fingerprint) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager(fingerprint)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The trust manager of {@link #context}: the server's leaf certificate must have this fingerprint; nothing else is checked. */
    public static X509ExtendedTrustManager trustManager(String fingerprint) {
        String pin = normalize(fingerprint);
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                if (chain == null || chain.length == 0) {
                    throw new CertificateException("the orchestrator presented no certificate");
                }
                String presented = fingerprint(chain[0]);
                if (!MessageDigest.isEqual(presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        pin.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                    throw new Mismatch(presented, pin);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                checkServerTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                checkServerTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("a pinned client context trusts no client");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                checkClientTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                checkClientTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    /** Pins the certificate of the server at {@code url}'s origin (an https URL) for this process. */
    public static void pin(String url, String fingerprint) {
        PINS.put(origin(url), normalize(fingerprint));
    }

    /** The pinned fingerprint for {@code url}'s origin, or null (plain HTTP, or a server validated the usual way). */
    public static String pinFor(String url) {
        String o = origin(url);
        return o == null ? null : PINS.get(o);
    }

    /** A client context for {@code url}: pinned when its origin is, else null (use the default). */
    public static SSLContext contextFor(String url) {
        String pin = pinFor(url);
        return pin == null ? null : context(pin);
    }

    /** {@code https://host:port} of an https URL, lower-case, the port explicit; null for any other URL. */
    static String origin(String url) {
        try {
            URI u = URI.create(url.strip());
            if (u.getScheme() == null || !u.getScheme().equalsIgnoreCase("https") || u.getHost() == null) {
                return null;
            }
            return "https://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + (u.getPort() < 0 ? 443 : u.getPort());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The message of a failed TLS handshake or connection, with the pin's mismatch named when it is the cause. */
    public static Mismatch mismatch(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Mismatch m) {
                return m;
            }
            for (Throwable s : c.getSuppressed()) {
                Mismatch m = mismatch(s);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }
}
