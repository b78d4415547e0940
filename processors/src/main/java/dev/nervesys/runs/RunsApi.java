package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.HttpApi;
import dev.nervesys.spi.HttpRoutes;
import dev.nervesys.spi.RequestTarget;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code runsApi}, served by the live server (port {@code nervesys.live.port}, 8087, next to
 * the UI). Its REST definition is the route table in the constructor. Not on the ingest port:
 * netty-http builds one pipeline per port from whichever consumer binds it first, and the streaming
 * export would have made the ingest port's pipeline the streaming one (docs/runs.md).
 */
public final class RunsApi implements HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(RunsApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Runs runs;
    private final RunExport export;
    private final HttpRoutes routes;

    /** @param export null when ClickHouse is off (export answers 503) */
    public RunsApi(Runs runs, RunExport export) {
        this.runs = runs;
        this.export = export;
        this.routes = new HttpRoutes()
                .route("GET", "/runs", r -> json(200, runs.list()))
                .route("GET", "/runs/{id}", r -> known(r.param("id"), runs.get(r.param("id"))))
                .route("POST", "/runs/{id}/start", r -> json(200, runs.start(r.param("id"), meta(r.body()))))
                .route("POST", "/runs/{id}/end", r -> known(r.param("id"), runs.end(r.param("id"), "api")))
                .route("GET", "/runs/{id}/export", r -> export(r.param("id"), r.query("format"), r.query("series")));
    }

    /** The route table as {@code METHOD /pattern} lines. */
    public List<String> routes() {
        return routes.describe();
    }

    @Override
    public boolean accepts(String path) {
        return path.equals("/runs") || path.startsWith("/runs/");
    }

    @Override
    public Answer handle(String method, RequestTarget target, byte[] body) throws Exception {
        try {
            return routes.dispatch(method, target, body);
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) { // bad format, body not JSON
            return HttpRoutes.error(400, dev.nervesys.spi.ErrorLine.oneLine(String.valueOf(e.getMessage())));
        } catch (ClickHouseException e) {
            LOG.warn("runs API {} {}: ClickHouse failed: {}", method, target.path(), e.getMessage());
            return HttpRoutes.error(502, "ClickHouse: " + e.getMessage());
        } catch (IOException e) { // ClickHouse unreachable (the registry and the export read it)
            LOG.warn("runs API {} {}: ClickHouse unreachable: {}", method, target.path(), dev.nervesys.spi.ErrorLine.of(e));
            return HttpRoutes.error(502, "ClickHouse unreachable: " + dev.nervesys.spi.ErrorLine.of(e));
        }
    }

    private static JsonNode meta(byte[] body) throws IOException {
        return body.length == 0 ? null : JSON.readTree(body);
    }

    private static Answer known(String id, JsonNode run) throws IOException {
        return run == null ? HttpRoutes.error(404, "no run " + id) : json(200, run);
    }

    private Answer export(String id, String format, String series) throws IOException, ClickHouseException {
        if (export == null) {
            return HttpRoutes.error(503, "export needs ClickHouse (nervesys.clickhouse.url is empty)");
        }
        String fmt = format == null ? "csv" : format;
        String sql = export.sql(id, series, fmt); // validates the format before anything else
        if (runs.get(id) == null) {
            return HttpRoutes.error(404, "no run " + id);
        }
        LOG.debug("export {}", sql);
        String type = fmt.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson";
        return Answer.streamed(type, Map.of("Content-Disposition", "attachment; filename=\""
                + id.replaceAll("[^A-Za-z0-9._-]", "_") + "." + (fmt.equals("csv") ? "csv" : "ndjson") + "\""),
                export.open(id, series, fmt));
    }

    private static Answer json(int status, Object value) throws IOException {
        return Answer.bytes(status, "application/json", JSON.writeValueAsBytes(value));
    }
}
