package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.RunCatalog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bean {@code runCatalog}: runs and their series for the web console (spi {@link RunCatalog},
 * docs/console.md, "Runs"), on the registry ({@link Runs#list()}, {@link Runs#get}) and the export's
 * SQL ({@link RunExport}), plus the two reads the console adds: the series of a run and points
 * down-sampled in ClickHouse (one GROUP BY, so a run of millions of points costs the browser at most
 * {@code maxPoints} per series).
 */
public final class RunCatalogQueries implements RunCatalog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Runs runs;
    private final ClickHouseClient ch;
    private final RunExport export;

    /** @param ch null when ClickHouse is off: runs are listed from the registry, series cannot be read */
    public RunCatalogQueries(Runs runs, ClickHouseClient ch) {
        this.runs = runs;
        this.ch = ch;
        this.export = ch == null ? null : new RunExport(ch);
    }

    @Override
    public boolean hasSeries() {
        return ch != null;
    }

    @Override
    public List<JsonNode> list() {
        return runs.list();
    }

    @Override
    public JsonNode get(String runId) throws IOException {
        try {
            return runs.get(runId);
        } catch (ClickHouseException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public List<SeriesInfo> series(String runId) throws IOException {
        List<SeriesInfo> out = new ArrayList<>();
        for (JsonNode n : rows("SELECT series, count() AS points, min(frame) AS first, max(frame) AS last FROM " + client().table("series")
                + " WHERE run_id = " + ClickHouseClient.quote(runId) + " GROUP BY series ORDER BY series FORMAT JSONEachRow")) {
            out.add(new SeriesInfo(n.path("series").asText(), n.path("points").asLong(), n.path("first").asLong(), n.path("last").asLong()));
        }
        return out;
    }

    /** The SQL of {@link #points}: buckets of {@code bucket} frames from {@code fromFrame}, per series. */
    String pointsSql(String runId, List<String> series, long fromFrame, long toFrame, long bucket) throws IOException {
        return "SELECT series, intDiv(frame - " + fromFrame + ", " + bucket + ") AS b, avg(value) AS v, min(value) AS lo, max(value) AS hi"
                + " FROM " + client().table("series") + " WHERE run_id = " + ClickHouseClient.quote(runId)
                + " AND frame >= " + fromFrame + " AND frame <= " + toFrame + RunExport.seriesFilter(String.join(",", series))
                + " GROUP BY series, b ORDER BY series, b FORMAT JSONEachRow";
    }

    @Override
    public Points points(String runId, List<String> series, long fromFrame, long toFrame, int maxPoints) throws IOException {
        if (fromFrame < 0 || toFrame < fromFrame || maxPoints < 1) {
            throw new IllegalArgumentException("frames must satisfy 0 <= from <= to, maxPoints >= 1");
        }
        // the span in unsigned arithmetic: to - from + 1 overflows only for the whole UInt64 range
        long span = toFrame - fromFrame + 1;
        long bucket = Math.max(1, span <= 0 ? Long.MAX_VALUE / maxPoints : (span + maxPoints - 1) / maxPoints);
        Map<String, List<double[]>> collected = new LinkedHashMap<>();
        series.forEach(s -> collected.put(s, new ArrayList<>()));
        if (!series.isEmpty()) {
            for (JsonNode n : rows(pointsSql(runId, series, fromFrame, toFrame, bucket))) {
                collected.computeIfAbsent(n.path("series").asText(), k -> new ArrayList<>()).add(new double[] {
                    fromFrame + n.path("b").asLong() * bucket, n.path("v").asDouble(), n.path("lo").asDouble(), n.path("hi").asDouble()});
            }
        }
        Map<String, Line> lines = new LinkedHashMap<>();
        collected.forEach((name, rows) -> {
            long[] f = new long[rows.size()];
            double[] v = new double[rows.size()];
            double[] lo = new double[rows.size()];
            double[] hi = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                double[] r = rows.get(i);
                f[i] = (long) r[0];
                v[i] = r[1];
                lo[i] = r[2];
                hi[i] = r[3];
            }
            lines.put(name, new Line(f, v, lo, hi));
        });
        return new Points(fromFrame, toFrame, bucket, lines);
    }

    @Override
    public InputStream export(String runId, String series, String format, Long fromFrame, Long toFrame) throws IOException {
        client();
        export.sql(runId, series, format, fromFrame, toFrame); // a bad format is an IllegalArgumentException before ClickHouse
        try {
            return export.open(runId, series, format, fromFrame, toFrame);
        } catch (ClickHouseException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private ClickHouseClient client() throws IOException {
        if (ch == null) {
            throw new IOException("series need ClickHouse (nervesys.clickhouse.url is empty)");
        }
        return ch;
    }

    private List<JsonNode> rows(String sql) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = client().stream(sql);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        } catch (ClickHouseException e) {
            throw new IOException(e.getMessage(), e);
        }
        return out;
    }
}
