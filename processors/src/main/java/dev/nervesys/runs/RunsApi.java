package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.clickhouse.ClickHouseException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code runsApi}, behind route {@code runs-api} (netty-http, prefix {@code /runs} on the
 * ingest port): {@code GET /runs}, {@code GET /runs/{id}}, {@code POST /runs/{id}/start},
 * {@code POST /runs/{id}/end}, {@code GET /runs/{id}/export?format=csv|json&series=...}.
 */
public final class RunsApi {

    private static final Logger LOG = LoggerFactory.getLogger(RunsApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunRegistry runs;
    private final RunExport export;

    /** @param export null when ClickHouse is off (export answers 503) */
    public RunsApi(RunRegistry runs, RunExport export) {
        this.runs = runs;
        this.export = export;
    }

    public void handle(Exchange ex) {
        Message m = ex.getMessage();
        String method = m.getHeader(Exchange.HTTP_METHOD, "GET", String.class);
        String uri = m.getHeader(Exchange.HTTP_URI, "/runs", String.class);
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = m.getHeader(Exchange.HTTP_QUERY, String.class); // netty-http puts it here, not in the URI
        Map<String, String> query = query(rawQuery != null ? rawQuery : q < 0 ? "" : uri.substring(q + 1));
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        byte[] body = m.getBody(byte[].class);
        m.removeHeaders("*");
        try {
            if (parts.length == 1 && parts[0].equals("runs")) {
                require(method, "GET");
                json(m, 200, runs.list());
                return;
            }
            if (parts.length < 2 || !parts[0].equals("runs")) {
                error(m, 404, "no such resource");
                return;
            }
            String id = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            String action = parts.length > 2 ? parts[2] : "";
            switch (action) {
                case "" -> {
                    require(method, "GET");
                    JsonNode r = runs.get(id);
                    if (r == null) {
                        error(m, 404, "no run " + id + " on this agent");
                    } else {
                        json(m, 200, r);
                    }
                }
                case "start" -> {
                    require(method, "POST");
                    JsonNode meta = body == null || body.length == 0 ? null : JSON.readTree(body);
                    json(m, 200, runs.start(id, meta));
                }
                case "end" -> {
                    require(method, "POST");
                    JsonNode r = runs.end(id, "api");
                    if (r == null) {
                        error(m, 404, "no run " + id + " on this agent");
                    } else {
                        json(m, 200, r);
                    }
                }
                case "export" -> {
                    require(method, "GET");
                    export(m, id, query);
                }
                default -> error(m, 404, "no such resource");
            }
        } catch (MethodNotAllowed e) {
            error(m, 405, e.getMessage());
        } catch (IllegalArgumentException | IOException e) {
            error(m, 400, e.getMessage());
        } catch (ClickHouseException e) {
            LOG.warn("export failed: {}", e.getMessage());
            error(m, 502, "ClickHouse: " + e.getMessage());
        }
    }

    private void export(Message m, String id, Map<String, String> query) throws IOException, ClickHouseException {
        if (export == null) {
            error(m, 503, "export needs ClickHouse (nervesys.clickhouse.url is empty)");
            return;
        }
        String format = query.getOrDefault("format", "csv");
        String sql = export.sql(id, query.get("series"), format); // validates the format before streaming
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson");
        m.setHeader("Content-Disposition", "attachment; filename=\"" + id.replaceAll("[^A-Za-z0-9._-]", "_")
                + "." + (format.equals("csv") ? "csv" : "ndjson") + "\"");
        m.setBody(export.open(id, query.get("series"), format));
        LOG.debug("export {}", sql);
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

    private static void json(Message m, int status, Object value) throws IOException {
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(JSON.writeValueAsBytes(value));
    }

    private static void error(Message m, int status, String message) {
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8));
    }
}
