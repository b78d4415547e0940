package dev.nervesys.ingest;

import dev.nervesys.common.HttpLimits;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the HTTP ingest (docs/ingest.md), each declared once below with its default. The
 * port and interface are the routes'; the rest is read by the bean "ingest" at start, and the
 * routes take the body limit from it ({@code {{bean:ingest.maxBodyBytes}}}), so that the server's
 * limit and the limit after gunzip never differ.
 */
public record IngestSettings(String tokens, double rateLimit, double rateBurst, long maxBodyBytes) {

    public static final Setting PORT = Setting.integer("nervesys.ingest.port", "8086", "port", ROUTES,
            "HTTP ingest port (InfluxDB's, so Telegraf and InfluxDB clients point at an agent unchanged)");
    public static final Setting HOST = Setting.text("nervesys.ingest.host", "127.0.0.1", ROUTES,
            "interface the ingest server binds");
    public static final Setting TOKENS = Setting.text("nervesys.ingest.tokens", "", BEANS,
            "ingest tokens, comma-separated; empty = no auth. A secret: set NERVESYS_INGEST_TOKENS in the environment "
                    + "(it takes precedence), never in a file");
    public static final Setting MAX_BODY_BYTES = Setting.bytes("nervesys.ingest.maxBodyBytes", "25MB", BEANS,
            "largest request body, on the wire and again after gunzip (413 beyond)");
    public static final Setting RATE_LIMIT = Setting.number("nervesys.ingest.rateLimit", "0", "records per second", BEANS,
            "records per second per token (0 = unlimited); beyond it 429 with Retry-After");
    public static final Setting RATE_BURST = Setting.number("nervesys.ingest.rateBurst", "0", "records", BEANS,
            "records a token may send at once before the rate applies (0 = one second's worth)");

    public static final Setting BODY_TIMEOUT = Setting.duration("nervesys.ingest.bodyTimeout", "60s", BEANS,
            "a connection must deliver each whole request (line, headers, body) within this, and a kept-alive one its "
                    + "next request, else 408 and closed (slow clients, docs/security.md)");
    public static final Setting MAX_URL_BYTES = Setting.bytes("nervesys.ingest.maxUrlBytes", "8KB", BEANS,
            "longest request line (method, URL, version); longer: 414");
    public static final Setting MAX_HEADER_BYTES = Setting.bytes("nervesys.ingest.maxHeaderBytes", "16KB", BEANS,
            "largest request header block; larger: 431");
    public static final Setting MAX_CONNECTIONS = Setting.integer("nervesys.ingest.maxConnections", "512", "connections", BEANS,
            "open connections at most; more are closed at accept (0 = unbounded)");

    public static final Setting TLS_CERT = Setting.text("nervesys.ingest.tls.cert", "", BEANS,
            "PEM certificate chain of the ingest port: set with tls.key to serve HTTPS only (docs/security.md)");
    public static final Setting TLS_KEY = Setting.text("nervesys.ingest.tls.key", "", BEANS,
            "PEM PKCS#8 private key of the ingest port; its password, if any, in NERVESYS_INGEST_TLS_KEY_PASSWORD");
    public static final Setting TLS_CLIENT_CA = Setting.text("nervesys.ingest.tls.clientCa", "", BEANS,
            "PEM bundle of client CAs: when set, mutual TLS for ingest clients (no certificate they signed: no handshake)");

    /** TLS of the ingest port, or null for plain HTTP. */
    public static io.netty.handler.ssl.SslContext tls(AgentSettings s) {
        return dev.nervesys.common.ServerTls.server("nervesys.ingest.tls", s.get(TLS_CERT), s.get(TLS_KEY),
                s.secret("NERVESYS_INGEST_TLS_KEY_PASSWORD").orElse(null), s.get(TLS_CLIENT_CA));
    }

    /** Input limits of the ingest port (bean {@code ingestPortGuard}). */
    public static HttpLimits limits(AgentSettings s) {
        return new HttpLimits(s.getDuration(BODY_TIMEOUT).toMillis(), (int) s.getBytes(MAX_URL_BYTES),
                (int) s.getBytes(MAX_HEADER_BYTES), s.getInt(MAX_CONNECTIONS));
    }

    /** The declarations of {@code nervesys.ingest.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Ingest";
        }

        @Override
        public String page() {
            return "ingest.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(PORT, HOST, TOKENS, MAX_BODY_BYTES, RATE_LIMIT, RATE_BURST, BODY_TIMEOUT, MAX_URL_BYTES,
                    MAX_HEADER_BYTES, MAX_CONNECTIONS, TLS_CERT, TLS_KEY, TLS_CLIENT_CA);
        }
    }

    public static IngestSettings from(AgentSettings s) {
        return new IngestSettings(
                s.secret("NERVESYS_INGEST_TOKENS").orElse(s.get(TOKENS)),
                s.getDouble(RATE_LIMIT),
                s.getDouble(RATE_BURST),
                s.getBytes(MAX_BODY_BYTES));
    }
}
