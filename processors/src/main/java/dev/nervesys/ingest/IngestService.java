package dev.nervesys.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.buffer.BufferFullException;
import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.RateLimiter;
import dev.nervesys.spi.HeartbeatFigures;
import dev.nervesys.spi.IngestHooks;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code ingest}: the HTTP ingest endpoints of routes/ingest.camel.yaml. Each method reads the
 * request from the exchange and leaves the reply on it (status, JSON body, Retry-After).
 *
 * <p>A 204 means every record of the body is committed to the buffer. With bad lines, the valid
 * ones are committed and the answer is 400 listing each rejected line (InfluxDB's partial write).
 * A full buffer under {@code reject} commits nothing and answers 503 with Retry-After.
 */
public final class IngestService implements StatusReporter, MeterBinder, IngestHooks.Pipeline, HeartbeatFigures.Ingest {

    private final List<IngestHooks.Inspector> inspectors = new CopyOnWriteArrayList<>();
    private final List<IngestHooks.Listener> listeners = new CopyOnWriteArrayList<>();

    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The rejected lines listed in one reply; the count is always complete. */
    private static final int LISTED_ERRORS = 100;

    private final RecordBuffer buffer;
    private final TokenAuth auth;
    private final RateLimiter limiter;
    private final BodyReader bodies;
    private final NdjsonParser ndjson = new NdjsonParser();
    private final IngestStats stats;
    private final java.time.Clock clock;
    private final java.time.Instant started;
    private final IngestPortGuard guard;

    public IngestService(RecordBuffer buffer, String tokens, double recordsPerSecond, double burst, long maxBodyBytes) {
        this(buffer, tokens, recordsPerSecond, burst, maxBodyBytes, java.time.Clock.systemUTC());
    }

    /** {@code clock}: "now" of points sent without a time, the start time and the rate window. */
    public IngestService(RecordBuffer buffer, String tokens, double recordsPerSecond, double burst, long maxBodyBytes,
                         java.time.Clock clock) {
        this(buffer, tokens, recordsPerSecond, burst, maxBodyBytes, clock, null);
    }

    /** @param guard the port's guard, which keeps the credentials of each request out of its headers (and logs), or null */
    public IngestService(RecordBuffer buffer, String tokens, double recordsPerSecond, double burst, long maxBodyBytes,
                         java.time.Clock clock, IngestPortGuard guard) {
        this.guard = guard;
        this.clock = clock;
        this.started = clock.instant();
        this.stats = new IngestStats(clock);
        this.buffer = buffer;
        this.auth = new TokenAuth(tokens);
        this.limiter = new RateLimiter(recordsPerSecond, burst);
        this.bodies = new BodyReader(maxBodyBytes);
    }

    /**
     * The largest body, for the routes' server option ({@code {{bean:ingest.maxBodyBytes}}}): one
     * limit on the wire and after gunzip, read once at start.
     */
    public long maxBodyBytes() {
        return bodies.maxBytes();
    }

    /** POST /ingest: NDJSON records. */
    public void ndjson(Exchange ex) {
        handle(ex, "ingest", true, (body, batch) -> ndjson.parse(body, body.length, batch));
    }

    /** direct:ingest-ndjson, for routes inside the agent (the generator): no token, no rate limit. */
    public void internal(Exchange ex) {
        handle(ex, "internal", false, (body, batch) -> ndjson.parse(body, body.length, batch));
    }

    /** POST /write: InfluxDB v1 line protocol ({@code db}, {@code rp}, {@code precision}, {@code u}/{@code p}). */
    public void influxV1(Exchange ex) {
        Message in = ex.getIn();
        handle(ex, "write", true, (body, batch) -> {
            String db = in.getHeader("db", String.class);
            if (db == null || db.isBlank()) {
                throw new IngestRejected(400, "database is required (?db=...)");
            }
            JsonOut extra = new JsonOut().raw(",\"db\":").string(db);
            String rp = in.getHeader("rp", String.class);
            if (rp != null && !rp.isBlank()) {
                extra.raw(",\"rp\":").string(rp);
            }
            lineProtocol(body, in.getHeader("precision", String.class), extra, batch);
        });
    }

    /** POST /api/v2/write: InfluxDB v2 line protocol ({@code org}, {@code bucket}, {@code precision}). */
    public void influxV2(Exchange ex) {
        Message in = ex.getIn();
        handle(ex, "api_v2_write", true, (body, batch) -> {
            String bucket = in.getHeader("bucket", String.class);
            if (bucket == null || bucket.isBlank()) {
                throw new IngestRejected(400, "bucket is required (?bucket=...)");
            }
            JsonOut extra = new JsonOut();
            String org = in.getHeader("org", String.class);
            if (org != null && !org.isBlank()) {
                extra.raw(",\"org\":").string(org);
            }
            extra.raw(",\"bucket\":").string(bucket);
            lineProtocol(body, in.getHeader("precision", String.class), extra, batch);
        });
    }

    private void lineProtocol(byte[] body, String precision, JsonOut extra, ParsedBatch batch) throws IngestRejected {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new IngestRejected(400, e.getMessage());
        }
        long now = clock.millis() * 1_000_000L;
        new LineProtocolParser().parse(body, body.length, p, now,
                new String(extra.toBytes(), StandardCharsets.UTF_8), batch);
    }

    private interface Parse {
        void into(byte[] body, ParsedBatch batch) throws IngestRejected;
    }

    private void handle(Exchange ex, String endpoint, boolean external, Parse parse) {
        Message in = ex.getIn();
        try {
            String key = "internal";
            if (external) {
                IngestPortGuard.Credentials given = guard == null ? null
                        : guard.take(in.getHeader(IngestPortGuard.CREDENTIAL_HEADER, String.class));
                key = given != null ? auth.check(TokenAuth.presented(given.authorization(), given.password()))
                        : auth.check(TokenAuth.presented(in.getHeader("Authorization", String.class), in.getHeader("p", String.class)));
                long wait = limiter.admit(key, System.nanoTime());
                if (wait > 0) {
                    throw new IngestRejected(429, "rate limit of this token exceeded (nervesys.ingest.rateLimit)", wait);
                }
            }
            byte[] body = bodies.decode(wireBytes(in), in.getHeader("Content-Encoding", String.class));
            ParsedBatch batch = new ParsedBatch();
            parse.into(body, batch);
            if (batch.accepted() > 0) {
                inspect(batch);
                try {
                    buffer.append(batch.kinds(), batch.bodies());
                } catch (BufferFullException e) {
                    stats.records(endpoint, IngestStats.BUFFER_FULL, batch.accepted());
                    throw new IngestRejected(503, e.getMessage(), e.retryAfterSeconds());
                }
                notifyListeners(batch);
                stats.records(endpoint, IngestStats.ACCEPTED, batch.accepted());
                if (external) {
                    limiter.charge(key, batch.accepted(), System.nanoTime());
                }
            }
            if (batch.errors().isEmpty()) {
                stats.request(endpoint, 204);
                reply(ex, 204, null, 0);
            } else {
                stats.records(endpoint, IngestStats.REJECTED_LINE, batch.errors().size());
                stats.request(endpoint, 400);
                reply(ex, 400, partialWrite(batch), 0);
            }
        } catch (IngestRejected r) {
            stats.request(endpoint, r.status);
            reply(ex, r.status, Map.of("error", r.getMessage()), r.retryAfterSeconds);
        } catch (RuntimeException e) {
            // the client gets a message, never a stack trace; the log gets the details
            LOG.error("ingest failed", e);
            stats.request(endpoint, 500);
            reply(ex, 500, Map.of("error", "internal error while storing the batch; nothing was acknowledged"), 0);
        }
    }

    /**
     * The request body as bytes. netty-http hands over an in-memory stream cache of known length:
     * copy it once into an array of exactly that size (Camel's generic conversion grows a buffer by
     * doubling and copies it again). Anything else, or a length above the limit (413 as before),
     * takes Camel's conversion.
     */
    private byte[] wireBytes(Message in) {
        Object b = in.getBody();
        if (b instanceof byte[] bytes) {
            return bytes;
        }
        if (b instanceof StreamCache cache && b instanceof InputStream stream && cache.inMemory()) {
            long len = cache.length();
            if (len >= 0 && len <= bodies.maxBytes() && cache.position() == 0) {
                try {
                    byte[] out = new byte[(int) len];
                    int n = stream.readNBytes(out, 0, out.length);
                    boolean whole = n == out.length && cache.length() == 0;
                    cache.reset();
                    if (whole) {
                        return out;
                    }
                } catch (IOException e) {
                    cache.reset(); // Camel's conversion below reports it as before
                }
            }
        }
        return in.getBody(byte[].class);
    }

    /**
     * GET /ready, InfluxDB 2's readiness answer ({@code influxdb-client-java}'s {@code ready()}):
     * ready as soon as the route runs, with when the ingest started and the time since, as
     * InfluxDB writes it.
     */
    public void ready(Exchange ex) {
        java.time.Duration up = java.time.Duration.between(started, clock.instant());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ready");
        body.put("started", started.toString());
        body.put("up", up.toSeconds() + "." + String.format(java.util.Locale.ROOT, "%03d", up.toMillisPart()) + "s");
        reply(ex, 200, body, 0);
    }

    /** Adds an inspector that sees (and may rewrite) every accepted record before its commit. */
    @Override
    public void addInspector(IngestHooks.Inspector inspector) {
        inspectors.add(inspector);
    }

    /** Adds a listener told about every committed batch (best effort, must not block). */
    @Override
    public void addListener(IngestHooks.Listener listener) {
        listeners.add(listener);
    }

    private void inspect(ParsedBatch batch) {
        if (inspectors.isEmpty()) {
            return;
        }
        List<byte[]> bodies = batch.bodies();
        for (int i = 0; i < bodies.size(); i++) {
            for (IngestHooks.Inspector inspector : inspectors) {
                bodies.set(i, inspector.inspect(batch.kinds().get(i), bodies.get(i)));
            }
        }
    }

    private void notifyListeners(ParsedBatch batch) {
        for (IngestHooks.Listener listener : listeners) {
            try {
                listener.committed(Collections.unmodifiableList(batch.kinds()), Collections.unmodifiableList(batch.bodies()));
            } catch (RuntimeException e) {
                LOG.warn("ingest listener {} failed: {}", listener.getClass().getSimpleName(), e.getMessage());
            }
        }
    }

    private static Map<String, Object> partialWrite(ParsedBatch batch) {
        List<Map<String, Object>> listed = new ArrayList<>();
        for (LineError e : batch.errors().subList(0, Math.min(LISTED_ERRORS, batch.errors().size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("line", e.line());
            m.put("reason", e.reason());
            listed.add(m);
        }
        LineError first = batch.errors().get(0);
        Map<String, Object> m = new LinkedHashMap<>();
        // "partial write:", "unable to parse" and "dropped=" are what InfluxDB says and what its clients
        // look for: influxdb-java's batching mode retries a 400 unless it reads "unable to parse", and a
        // retry would store the valid lines again
        m.put("error", "partial write: unable to parse line " + first.line() + ": " + first.reason() + " ("
                + batch.errors().size() + " line(s) rejected, " + batch.accepted() + " accepted) dropped="
                + batch.errors().size());
        m.put("accepted", batch.accepted());
        m.put("rejected", batch.errors().size());
        m.put("lines", listed);
        return m;
    }

    private static void reply(Exchange ex, int status, Object body, long retryAfter) {
        Message out = ex.getMessage();
        // request headers (Authorization, ?p=) must not be echoed into the response
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        if (retryAfter > 0) {
            out.setHeader("Retry-After", Long.toString(retryAfter));
        }
        if (body == null) {
            out.setBody(null);
            return;
        }
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (body instanceof Map<?, ?> map && map.get("error") instanceof String error) {
            // v1 clients read "error", v2 clients (influxdb-client-java, Telegraf's influxdb_v2) "code" and "message"
            Map<Object, Object> both = new LinkedHashMap<>(map);
            both.put("code", v2Code(status));
            both.put("message", error);
            body = both;
        }
        try {
            out.setBody(JSON.writeValueAsBytes(body));
        } catch (Exception e) {
            out.setBody(("{\"error\":\"unprintable error\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** InfluxDB v2's error code for an HTTP status. */
    private static String v2Code(int status) {
        return switch (status) {
            case 400 -> "invalid";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 413 -> "request too large";
            case 415 -> "unsupported media type";
            case 429 -> "too many requests";
            case 503 -> "unavailable";
            default -> "internal error";
        };
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        stats.bindTo(registry);
    }

    /** The heartbeat's ingest_rate: the console's {@code recordsPerSecond}. */
    @Override
    public double recordsPerSecond() {
        return Math.round(stats.recentRate());
    }

    @Override
    public String statusName() {
        return stats.statusName();
    }

    @Override
    public Map<String, Object> status() {
        return stats.status();
    }
}
