package dev.nervesys.webconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.RunCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs pages' API (docs/console.md, "Runs"), called by {@link ConsoleHttp} for
 * {@code /api/runs...} and {@code /api/run-presets...} once the session (and, for a change, the CSRF
 * token) is checked. Runs and their series come from the runs capability's queries (spi
 * {@link RunCatalog}: the registry's list, the export's SQL, points down-sampled in ClickHouse); chart
 * presets are the user's own, in PostgreSQL ({@link RunPresets}). Every role reads; presets are
 * personal settings, so every role saves and deletes its own (audited like any change).
 */
final class ConsoleRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleRuns.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RUN = Pattern.compile("/api/runs/([^/]+)(/points|/export)?");
    /** Points per series at most, and the default. */
    static final int MAX_POINTS = 5000;
    static final int DEFAULT_POINTS = 1500;
    /** Series of one points request at most. */
    static final int MAX_SERIES = RunPresets.MAX_SERIES;
    /** An export through the console is answered whole (netty-http aggregates): larger selections go to the live port's streamed export. */
    static final int MAX_EXPORT_BYTES = 64 << 20;

    private final RunCatalog catalog;
    private final RunPresets presets;
    private final ConsoleDatabase db;
    private final String liveUrl;
    private final Clock clock;

    /**
     * @param catalog the runs capability's catalog, or null when it is not in this process
     * @param db the fleet's PostgreSQL (presets, audit), or null
     * @param liveUrl the live view's WebSocket for live runs ({@code ws://host:port/}), or null: pages then poll
     */
    ConsoleRuns(RunCatalog catalog, ConsoleDatabase db, String liveUrl, Clock clock) {
        this.catalog = catalog;
        this.db = db;
        this.presets = db == null ? null : new RunPresets(db);
        this.liveUrl = liveUrl;
        this.clock = clock;
    }

    /** The origin the Content-Security-Policy's connect-src needs beside 'self' (the live WebSocket), or null. */
    String connectSource() {
        if (liveUrl == null) {
            return null;
        }
        Matcher m = Pattern.compile("(wss?://[^/?#]+).*").matcher(liveUrl);
        return m.matches() ? m.group(1) : null;
    }

    boolean handles(String path) {
        return path.equals("/api/runs") || path.startsWith("/api/runs/") || path.equals("/api/run-presets")
                || path.startsWith("/api/run-presets/");
    }

    /** uPlot from its WebJar, for the run charts; null for any other path. */
    ConsoleHttp.Reply asset(String path) throws ApiError {
        return switch (path) {
            case "/assets/uplot.min.js" -> ConsoleHttp.resource(UPLOT + "dist/uPlot.iife.min.js", "text/javascript; charset=utf-8");
            case "/assets/uplot.min.css" -> ConsoleHttp.resource(UPLOT + "dist/uPlot.min.css", "text/css; charset=utf-8");
            default -> null;
        };
    }

    private static final String UPLOT = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot", "1.6.30") + "/";

    private static String webjarVersion(String name, String dflt) {
        try (InputStream in = ConsoleRuns.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/" + name + "/pom.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", dflt);
        } catch (IOException e) {
            return dflt;
        }
    }

    ConsoleHttp.Reply route(ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        String p = r.path();
        boolean get = r.method().equals("GET") || r.method().equals("HEAD");
        if (p.equals("/api/run-presets")) {
            return get ? ConsoleHttp.Reply.json(200, Map.of("presets", presets().list(s.user()))) : savePreset(r, s);
        }
        if (p.equals("/api/run-presets/delete") && !get) {
            return deletePreset(r, s);
        }
        if (!get) {
            throw new ApiError(405, "use GET for " + p);
        }
        if (p.equals("/api/runs")) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("hasSeries", catalog().hasSeries());
            out.put("liveUrl", liveUrl);
            out.put("runs", catalog().list());
            return ConsoleHttp.Reply.json(200, out);
        }
        Matcher m = RUN.matcher(p);
        if (!m.matches()) {
            throw new ApiError(404, "no such API: GET " + p);
        }
        String id = decode(m.group(1));
        try {
            if (m.group(2) == null) {
                return ConsoleHttp.Reply.json(200, run(id));
            }
            return m.group(2).equals("/points") ? points(id, r) : export(id, r);
        } catch (IOException e) {
            LOG.warn("console: runs: {}", ErrorLine.of(e));
            throw new ApiError(502, "ClickHouse: " + ErrorLine.oneLine(String.valueOf(e.getMessage())));
        }
    }

    private RunCatalog catalog() throws ApiError {
        if (catalog == null) {
            throw new ApiError(503, "runs are read by the runs capability, which this process does not have");
        }
        return catalog;
    }

    private RunPresets presets() throws ApiError {
        if (presets == null) {
            throw new ApiError(503, "chart presets are kept in the fleet's PostgreSQL: set nervesys.postgres.url (docs/console.md)");
        }
        return presets;
    }

    private JsonNode known(String id) throws ApiError, IOException {
        JsonNode run = catalog().get(id);
        if (run == null) {
            throw new ApiError(404, "no run " + id);
        }
        return run;
    }

    private RunCatalog withSeries() throws ApiError {
        if (!catalog().hasSeries()) {
            throw new ApiError(503, "series are read from ClickHouse: set nervesys.clickhouse.url (docs/clickhouse.md)");
        }
        return catalog;
    }

    private Map<String, Object> run(String id) throws ApiError, IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", known(id));
        List<Map<String, Object>> series = new ArrayList<>();
        long first = -1;
        long last = -1;
        if (catalog().hasSeries()) {
            for (RunCatalog.SeriesInfo i : catalog.series(id)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", i.name());
                m.put("points", i.points());
                m.put("first_frame", i.firstFrame());
                m.put("last_frame", i.lastFrame());
                series.add(m);
                first = first < 0 ? i.firstFrame() : Math.min(first, i.firstFrame());
                last = Math.max(last, i.lastFrame());
            }
        }
        out.put("series", series);
        out.put("frames", first < 0 ? null : Map.of("first", first, "last", last));
        return out;
    }

    private ConsoleHttp.Reply points(String id, ConsoleHttp.Request r) throws ApiError, IOException {
        RunCatalog c = withSeries();
        List<String> series = seriesList(r.param("series"));
        int max = whole(r, "max", DEFAULT_POINTS, 1, MAX_POINTS);
        Long from = frame(r, "from");
        Long to = frame(r, "to");
        if (from != null && to != null && from > to) {
            throw new ApiError(400, "bad frame range: from (" + from + ") is after to (" + to + ")");
        }
        known(id);
        if (from == null || to == null) {
            long first = Long.MAX_VALUE;
            long last = -1;
            for (RunCatalog.SeriesInfo i : c.series(id)) {
                if (series.contains(i.name())) {
                    first = Math.min(first, i.firstFrame());
                    last = Math.max(last, i.lastFrame());
                }
            }
            if (last < 0) { // no points yet (a run just started): an empty answer
                from = from != null ? from : 0;
                to = to != null ? to : from;
            } else {
                from = from != null ? from : first;
                to = to != null ? to : last;
            }
            if (from > to) {
                throw new ApiError(400, "bad frame range: from (" + from + ") is after to (" + to + "), the run's frames are "
                        + first + ".." + last);
            }
        }
        RunCatalog.Points pts = c.points(id, series, from, to, max);
        Map<String, Object> lines = new LinkedHashMap<>();
        pts.series().forEach((name, l) -> lines.put(name, Map.of("f", l.frames(), "v", l.mean(), "min", l.min(), "max", l.max())));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", id);
        out.put("from", pts.fromFrame());
        out.put("to", pts.toFrame());
        out.put("bucket", pts.bucket());
        out.put("series", lines);
        return ConsoleHttp.Reply.json(200, out);
    }

    private ConsoleHttp.Reply export(String id, ConsoleHttp.Request r) throws ApiError, IOException {
        RunCatalog c = withSeries();
        String format = r.param("format") == null ? "csv" : r.param("format");
        if (!format.equals("csv") && !format.equals("json")) {
            throw new ApiError(400, "format must be csv or json");
        }
        Long from = frame(r, "from");
        Long to = frame(r, "to");
        if (from != null && to != null && from > to) {
            throw new ApiError(400, "bad frame range: from (" + from + ") is after to (" + to + ")");
        }
        String series = r.param("series");
        if (series != null) {
            seriesList(series); // the same limits as the charts
        }
        known(id);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = c.export(id, series, format, from, to)) {
            byte[] buf = new byte[64 * 1024];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                if (bytes.size() + n > MAX_EXPORT_BYTES) {
                    throw new ApiError(413, "the selection is over " + (MAX_EXPORT_BYTES >> 20) + " MB: narrow the frames or series, "
                            + "or use the runs API's streamed export on the live port (docs/runs.md)");
                }
                bytes.write(buf, 0, n);
            }
        }
        String name = id.replaceAll("[^A-Za-z0-9._-]", "_") + (from == null && to == null ? "" : "_" + (from == null ? "" : from)
                + "-" + (to == null ? "" : to)) + (format.equals("csv") ? ".csv" : ".ndjson");
        ConsoleHttp.Reply reply = new ConsoleHttp.Reply(200, format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson",
                bytes.toByteArray());
        reply.headers.put("Content-Disposition", "attachment; filename=\"" + name + "\"");
        return reply;
    }

    private ConsoleHttp.Reply savePreset(ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        JsonNode body = body(r, "{\"name\": ..., \"series\": [...]}");
        if (!body.path("name").isTextual() || !body.path("series").isArray()) {
            throw new ApiError(400, "the body must be JSON: {\"name\": ..., \"series\": [...]}");
        }
        String name = presetName(body.path("name").asText());
        List<String> series = new ArrayList<>();
        for (JsonNode n : body.path("series")) {
            if (!n.isTextual()) {
                throw new ApiError(400, "series must be names (strings)");
            }
            series.add(n.asText());
        }
        series = seriesList(String.join(",", series));
        if (!presets().save(s.user(), name, series, clock.instant())) {
            throw new ApiError(409, "you have " + RunPresets.MAX_PRESETS + " presets already: delete one first");
        }
        db.audit(new ConsoleDatabase.AuditEntry(clock.instant(), s.user(), "save run preset", name, "ok", String.join(",", series),
                r.remote()));
        return ConsoleHttp.Reply.json(200, Map.of("name", name, "series", series));
    }

    private ConsoleHttp.Reply deletePreset(ConsoleHttp.Request r, Sessions.Session s) throws ApiError, SQLException {
        JsonNode body = body(r, "{\"name\": ...}");
        if (!body.path("name").isTextual()) {
            throw new ApiError(400, "the body must be JSON: {\"name\": ...}");
        }
        String name = presetName(body.path("name").asText());
        if (!presets().delete(s.user(), name)) {
            throw new ApiError(404, "you have no preset " + name);
        }
        db.audit(new ConsoleDatabase.AuditEntry(clock.instant(), s.user(), "delete run preset", name, "ok", null, r.remote()));
        return ConsoleHttp.Reply.json(200, Map.of("name", name, "deleted", true));
    }

    private static JsonNode body(ConsoleHttp.Request r, String shape) throws ApiError {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new ApiError(400, "the body must be JSON: " + shape);
    }

    private static String presetName(String raw) throws ApiError {
        String name = raw.strip();
        if (name.isEmpty() || name.length() > RunPresets.MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw new ApiError(400, "a preset name is 1.." + RunPresets.MAX_NAME + " characters, no control characters");
        }
        return name;
    }

    /** Comma-separated series names: 1..24 of them, each 1..200 characters. */
    private static List<String> seriesList(String raw) throws ApiError {
        List<String> out = new ArrayList<>();
        if (raw != null) {
            for (String part : raw.split(",")) {
                String n = part.strip();
                if (n.length() > RunPresets.MAX_SERIES_NAME || n.chars().anyMatch(Character::isISOControl)) {
                    throw new ApiError(400, "a series name is at most " + RunPresets.MAX_SERIES_NAME + " characters, no control characters");
                }
                if (!n.isEmpty() && !out.contains(n)) {
                    out.add(n);
                }
            }
        }
        if (out.isEmpty() || out.size() > MAX_SERIES) {
            throw new ApiError(400, "series must name 1.." + MAX_SERIES + " series, separated by commas");
        }
        return out;
    }

    private static Long frame(ConsoleHttp.Request r, String name) throws ApiError {
        String v = r.param(name);
        if (v == null) {
            return null;
        }
        try {
            long f = Long.parseLong(v);
            if (f >= 0) {
                return f;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, "bad frame range: " + name + " must be a frame index, a whole number >= 0, not '" + v + "'");
    }

    private static int whole(ConsoleHttp.Request r, String name, int dflt, int min, int max) throws ApiError {
        String v = r.param(name);
        try {
            int n = v == null ? dflt : Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, name + " must be a whole number " + min + ".." + max);
    }

    private static String decode(String segment) throws ApiError {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed path");
        }
    }
}
