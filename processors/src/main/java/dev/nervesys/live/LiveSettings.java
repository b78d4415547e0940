package dev.nervesys.live;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;

/**
 * Settings of the live view (docs/live.md), read once at start. Everything the live view keeps is
 * bounded on its own, not only per client or per batch, because it shares the heap with the data
 * path: {@code queueBytes} bounds the record bodies waiting for the worker (a hand-off buffer, far
 * below the ring's {@code maxBytes}: whatever waits there is a second copy of what the ring will
 * hold), {@code clientsBufferBytes} the frames not yet sent to all clients together
 * ({@code writeBufferBytes} bounds one client). {@code maxLagMillis} bounds how old a batch may be
 * when the worker takes it: an older one is dropped unparsed (counted), so that a worker that fell
 * behind shows what is arriving now, not what arrived seconds ago.
 */
public record LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
        int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes, long queueBytes,
        long clientsBufferBytes, long maxLagMillis) {

    /**
     * Without budgets of their own: the queue is bounded by the ring's {@code maxBytes} only, the
     * clients each by {@code writeBufferBytes} only, and a batch may wait any time.
     */
    public LiveSettings(String host, int port, int maxRecords, long maxBytes, int queueBatches, int defaultRate,
            int maxRate, int tailRecords, int foxgloveRate, int flushMillis, int writeBufferBytes) {
        this(host, port, maxRecords, maxBytes, queueBatches, defaultRate, maxRate, tailRecords, foxgloveRate, flushMillis,
                writeBufferBytes, maxBytes, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public static final Setting HOST = Setting.text("nervesys.live.host", "127.0.0.1", BEANS,
            "interface of the live view server (WebSocket, UI and the runs API /runs..., docs/runs.md)");
    public static final Setting PORT = Setting.integer("nervesys.live.port", "8087", "port", BEANS,
            "port of the live view server; the runs API is never on the ingest port (netty-http builds one pipeline per port)");
    public static final Setting MAX_RECORDS = Setting.integer("nervesys.live.maxRecords", "500000", "records", BEANS,
            "in-memory ring across all runs: at most this many records ...");
    public static final Setting MAX_BYTES = Setting.bytes("nervesys.live.maxBytes", "16MB", BEANS,
            "... and bytes (oldest runs evicted first); 16MB keeps an agent at 10,000 records/s inside the 256 MB heap of config/jvm.options (64MB before, docs/benchmarks.md, Footprint)");
    public static final Setting QUEUE_BATCHES = Setting.integer("nervesys.live.queueBatches", "1024", "batches", BEANS,
            "batches waiting for the live worker; beyond it batches are dropped from the live view (counted)");
    public static final Setting DEFAULT_RATE = Setting.integer("nervesys.live.defaultRate", "50", "points per second", BEANS,
            "points per second per series sent to a client that asks for no rate ...");
    public static final Setting MAX_RATE = Setting.integer("nervesys.live.maxRate", "1000", "points per second", BEANS,
            "... and the most it may ask for");
    public static final Setting TAIL_RECORDS = Setting.integer("nervesys.live.tailRecords", "5000", "records", BEANS,
            "records of a run sent as the tail when a client subscribes (at most)");
    public static final Setting FOXGLOVE_RATE = Setting.integer("nervesys.live.foxgloveRate", "100", "messages per second", BEANS,
            "messages per second per channel sent to Foxglove clients");
    public static final Setting FLUSH_EVERY = Setting.duration("nervesys.live.flushEvery", "50ms", BEANS,
            "how often pending points are sent to clients").renamedFrom("nervesys.live.flushMillis", "ms");
    public static final Setting CLIENT_BUFFER_BYTES = Setting.bytes("nervesys.live.clientBufferBytes", "1MB", BEANS,
            "a client's unsent bytes above this: its frames are dropped (counted) until it catches up");

    public static final Setting QUEUE_BYTES = Setting.bytes("nervesys.live.queueBytes", "8MB", BEANS,
            "record bodies waiting for the live worker, at most (and never more than maxBytes); beyond, batches are dropped "
                    + "from the live view (counted)");
    public static final Setting MAX_LAG = Setting.duration("nervesys.live.maxLag", "2s", BEANS,
            "a batch that waited longer for the live worker is skipped (counted): clients see what arrives now");
    public static final Setting CLIENTS_BUFFER_BYTES = Setting.bytes("nervesys.live.clientsBufferBytes", "16MB", BEANS,
            "unsent bytes of all clients together: each client may hold min(clientBufferBytes, this / clients); "
                    + "beyond its share its frames are dropped (counted)");

    public static final Setting RATE_LIMIT = Setting.number("nervesys.live.rateLimit", "50", "requests per second", BEANS,
            "requests (API calls, pages, WebSocket handshakes) per second per token, or for everyone without tokens; "
                    + "beyond: 429 with Retry-After; 0 = unlimited (docs/security.md)");
    public static final Setting RATE_BURST = Setting.number("nervesys.live.rateBurst", "200", "requests", BEANS,
            "requests a token may make at once before rateLimit applies");
    public static final Setting BODY_TIMEOUT = Setting.duration("nervesys.live.bodyTimeout", "10s", BEANS,
            "a connection must deliver its whole request (line, headers, body) within this, else 408 and closed (slow clients)");
    public static final Setting MAX_URL_BYTES = Setting.bytes("nervesys.live.maxUrlBytes", "8KB", BEANS,
            "longest request line (method, URL, version); longer: 414");
    public static final Setting MAX_HEADER_BYTES = Setting.bytes("nervesys.live.maxHeaderBytes", "16KB", BEANS,
            "largest request header block; larger: 431");
    public static final Setting MAX_CONNECTIONS = Setting.integer("nervesys.live.maxConnections", "256", "connections", BEANS,
            "open connections at most (WebSockets included); more are closed at accept (0 = unbounded)");

    public static final Setting TLS_CERT = Setting.text("nervesys.live.tls.cert", "", BEANS,
            "PEM certificate chain of the live port: set with tls.key to serve HTTPS and WSS only (docs/security.md)");
    public static final Setting TLS_KEY = Setting.text("nervesys.live.tls.key", "", BEANS,
            "PEM PKCS#8 private key of the live port; its password, if any, in NERVESYS_LIVE_TLS_KEY_PASSWORD");
    public static final Setting TLS_CLIENT_CA = Setting.text("nervesys.live.tls.clientCa", "", BEANS,
            "PEM bundle of client CAs: when set, mutual TLS (a client without a certificate they signed fails the handshake)");

    /** The declarations of {@code nervesys.live.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Live view";
        }

        @Override
        public String page() {
            return "live.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(HOST, PORT, MAX_RECORDS, MAX_BYTES, QUEUE_BATCHES, DEFAULT_RATE, MAX_RATE, TAIL_RECORDS,
                    FOXGLOVE_RATE, FLUSH_EVERY, CLIENT_BUFFER_BYTES, QUEUE_BYTES, MAX_LAG, CLIENTS_BUFFER_BYTES, RATE_LIMIT,
                    RATE_BURST, BODY_TIMEOUT, MAX_URL_BYTES, MAX_HEADER_BYTES, MAX_CONNECTIONS, TLS_CERT, TLS_KEY,
                    TLS_CLIENT_CA);
        }
    }

    /** Tokens ({@code NERVESYS_LIVE_TOKENS}, environment only) and the rate limit of the live port. */
    public static LiveAccess access(AgentSettings s) {
        return new LiveAccess(s.secret(LiveAccess.ENV).orElse(null), s.getDouble(RATE_LIMIT), s.getDouble(RATE_BURST));
    }

    /** TLS of the live port, or null for plain HTTP. */
    public static io.netty.handler.ssl.SslContext tls(AgentSettings s) {
        return dev.nervesys.common.ServerTls.server("nervesys.live.tls", s.get(TLS_CERT), s.get(TLS_KEY),
                s.secret("NERVESYS_LIVE_TLS_KEY_PASSWORD").orElse(null), s.get(TLS_CLIENT_CA));
    }

    /** Input limits of the live port. */
    public static dev.nervesys.common.HttpLimits limits(AgentSettings s) {
        return new dev.nervesys.common.HttpLimits(s.getDuration(BODY_TIMEOUT).toMillis(), (int) s.getBytes(MAX_URL_BYTES),
                (int) s.getBytes(MAX_HEADER_BYTES), s.getInt(MAX_CONNECTIONS));
    }

    public static LiveSettings from(AgentSettings s) {
        long maxBytes = s.getBytes(MAX_BYTES);
        return new LiveSettings(s.get(HOST), s.getInt(PORT),
                s.getInt(MAX_RECORDS), maxBytes,
                s.getInt(QUEUE_BATCHES), s.getInt(DEFAULT_RATE),
                s.getInt(MAX_RATE), s.getInt(TAIL_RECORDS),
                s.getInt(FOXGLOVE_RATE), (int) s.getDuration(FLUSH_EVERY).toMillis(),
                (int) s.getBytes(CLIENT_BUFFER_BYTES),
                Math.min(maxBytes, s.getBytes(QUEUE_BYTES)),
                s.getBytes(CLIENTS_BUFFER_BYTES),
                s.getDuration(MAX_LAG).toMillis());
    }
}
