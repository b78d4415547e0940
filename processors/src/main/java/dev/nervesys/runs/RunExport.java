package dev.nervesys.runs;

import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.common.SeriesGlob;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /runs/{id}/export}: one run's series points from ClickHouse, streamed as CSV
 * ({@code series,frame,time,value}) or NDJSON, ordered by series then frame. ClickHouse formats the
 * rows; the agent only passes the stream on.
 */
public final class RunExport {

    private final ClickHouseClient ch;

    public RunExport(ClickHouseClient ch) {
        this.ch = ch;
    }

    /** The SQL for a run and comma-separated series patterns ({@code *} matches any characters). */
    public String sql(String runId, String series, String format) {
        return sql(runId, series, format, null, null);
    }

    /** The same with a frame range, both ends included (null = open): the web console's export of a selection. */
    public String sql(String runId, String series, String format, Long fromFrame, Long toFrame) {
        String fmt = switch (format) {
            case "csv" -> "CSVWithNames";
            case "json" -> "JSONEachRow";
            default -> throw new IllegalArgumentException("format must be csv or json");
        };
        return "SELECT series, frame, concat(replaceOne(toString(time, 'UTC'), ' ', 'T'), '.',"
                + " substring(toString(1000000000 + time_ns), 2), 'Z') AS time, value FROM " + ch.table("series")
                + " WHERE run_id = " + ClickHouseClient.quote(runId) + seriesFilter(series)
                + (fromFrame == null ? "" : " AND frame >= " + fromFrame) + (toFrame == null ? "" : " AND frame <= " + toFrame)
                + " ORDER BY series, frame FORMAT " + fmt;
    }

    public InputStream open(String runId, String series, String format) throws IOException, ClickHouseException {
        return ch.stream(sql(runId, series, format));
    }

    public InputStream open(String runId, String series, String format, Long fromFrame, Long toFrame)
            throws IOException, ClickHouseException {
        return ch.stream(sql(runId, series, format, fromFrame, toFrame));
    }

    /** {@code AND (...)} for the patterns: exact names by equality, wildcards as anchored regexes. */
    static String seriesFilter(String series) {
        if (series == null || series.isBlank()) {
            return "";
        }
        List<String> terms = new ArrayList<>();
        for (String p : series.split(",")) {
            String pattern = p.trim();
            if (pattern.isEmpty()) {
                continue;
            }
            if (pattern.indexOf('*') < 0) {
                terms.add("series = " + ClickHouseClient.quote(pattern));
            } else {
                terms.add("match(series, " + ClickHouseClient.quote(SeriesGlob.toRegex(pattern)) + ")");
            }
        }
        return terms.isEmpty() ? "" : " AND (" + String.join(" OR ", terms) + ")";
    }
}
