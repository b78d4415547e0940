package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.HttpApi;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code runsApi}, served by the live server (port {@code nervesys.live.port}, 8087, next to
 * the UI): {@code GET /runs}, {@code GET /runs/{id}}, {@code POST /runs/{id}/start},
 * {@code POST /runs/{id}/end}, {@code GET /runs/{id}/export?format=csv|json&series=...}.
 * Not on the ingest port: netty-http builds one pipeline per port from whichever consumer binds it
 * first, and the streaming export would have made the ingest port's pipeline the streaming one.
 */
public final class RunsApi implements HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(RunsApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Runs runs;
    private final RunExport export;

    /** @param export null when ClickHouse is off (export answers 503) */
    public RunsApi(Runs runs, RunExport export) {
        this.runs = runs;
        this.export = export;
    }

    @Override
    public boolean accepts(String path) {
        return path.equals("/runs") || path.startsWith("/runs/");
    }

    @Override
    public Answer handle(String method, String uri, byte[] body) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Map<String, String> query = query(q < 0 ? "" : uri.substring(q + 1));
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        try {
            if (parts.length == 1 && parts[0].equals("runs")) {
                require(method, "GET");
                return json(200, runs.list());
            }
            if (parts.length < 2 || !parts[0].equals("runs")) {
                return error(404, "no such resource");
            }
            String id = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            String action = parts.length > 2 ? parts[2] : "";
            if (parts.length > 3) {
                return error(404, "no such resource");
            }
            switch (action) {
                case "" -> {
                    require(method, "GET");
                    JsonNode r = runs.get(id);
                    return r == null ? error(404, "no run " + id + " on this agent") : json(200, r);
                }
                case "start" -> {
                    require(method, "POST");
                    JsonNode meta = body == null || body.length == 0 ? null : JSON.readTree(body);
                    return json(200, runs.start(id, meta));
                }
                case "end" -> {
                    require(method, "POST");
                    JsonNode r = runs.end(id, "api");
                    return r == null ? error(404, "no run " + id + " on this agent") : json(200, r);
                }
                case "export" -> {
                    require(method, "GET");
                    return export(id, query);
                }
                default -> {
                    return error(404, "no such resource");
                }
            }
        } catch (MethodNotAllowed e) {
            return error(405, e.getMessage());
        } catch (IllegalArgumentException | IOException e) {
            return error(400, e.getMessage());
        } catch (ClickHouseException e) {
            LOG.warn("export failed: {}", e.getMessage());
            return error(502, "ClickHouse: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("runs API {} {} failed", method, path, e);
            return error(500, String.valueOf(e.getMessage()));
        }
    }

    private Answer export(String id, Map<String, String> query) throws IOException, ClickHouseException {
        if (export == null) {
            return error(503, "export needs ClickHouse (nervesys.clickhouse.url is empty)");
        }
        String format = query.getOrDefault("format", "csv");
        String sql = export.sql(id, query.get("series"), format); // validates the format before streaming
        LOG.debug("export {}", sql);
        String type = format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson";
        return Answer.streamed(type, Map.of("Content-Disposition", "attachment; filename=\""
                + id.replaceAll("[^A-Za-z0-9._-]", "_") + "." + (format.equals("csv") ? "csv" : "ndjson") + "\""),
                export.open(id, query.get("series"), format));
    }

    private static void require(String method, String allowed) throws MethodNotAllowed {
        if (!allowed.equalsIgnoreCase(method)) {
            throw new MethodNotAllowed(allowed + " only");
        }
    }

    private static final class MethodNotAllowed extends Exception {
        MethodNotAllowed(String message) {
            super(message);
        }
    }

    private static Map<String, String> query(String q) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : q.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.merge(k, v, (a, b) -> a + "," + b);
        }
        return out;
    }

    private static Answer json(int status, Object value) throws IOException {
        return Answer.bytes(status, "application/json", JSON.writeValueAsBytes(value));
    }

    private static Answer error(int status, String message) {
        return Answer.bytes(status, "application/json",
                JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8));
    }
}
