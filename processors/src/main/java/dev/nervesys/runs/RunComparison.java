package dev.nervesys.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Two runs compared per series from ClickHouse's {@code series} table (docs/runs.md, {@code nervesys
 * runs compare A B}): points and mean/min/max of each run over all its points, and on the frames
 * both runs have (several points of one frame averaged) the mean and maximum absolute difference;
 * frames only one run has are counted as missing from the other.
 */
public final class RunComparison {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run's side of a series; {@code points == 0} when the run has no such series. */
    public record Side(long points, long frames, double mean, double min, double max) {
        static final Side NONE = new Side(0, 0, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * @param aligned frames present in both runs
     * @param missingInB frames of A that B lacks; {@code missingInA} the other way round
     */
    public record Row(String series, Side a, Side b, long aligned, double meanAbsDiff, double maxAbsDiff, long worstFrame,
            long missingInB, long missingInA) {
    }

    private RunComparison() {
    }

    public static List<Row> compare(ClickHouseClient ch, String runA, String runB) throws IOException, ClickHouseException {
        String a = ClickHouseClient.quote(runA);
        String b = ClickHouseClient.quote(runB);
        String t = ch.table("series");
        Map<String, Side[]> sides = new TreeMap<>();
        for (JsonNode n : rows(ch, "SELECT series, run_id = " + a + " AS is_a, count() AS points, uniqExact(frame) AS frames,"
                + " avg(value) AS mean, min(value) AS min, max(value) AS max FROM " + t + " WHERE run_id IN (" + a + ", " + b + ")"
                + " GROUP BY series, is_a FORMAT JSONEachRow")) {
            Side s = new Side(n.path("points").asLong(), n.path("frames").asLong(), n.path("mean").asDouble(),
                    n.path("min").asDouble(), n.path("max").asDouble());
            Side[] pair = sides.computeIfAbsent(n.path("series").asText(), k -> new Side[] {Side.NONE, Side.NONE});
            pair[n.path("is_a").asInt() == 1 ? 0 : 1] = s;
            if (runA.equals(runB)) {
                pair[1] = s;
            }
        }
        Map<String, JsonNode> diffs = new TreeMap<>();
        for (JsonNode n : rows(ch, "SELECT series, count() AS aligned, avg(abs(va - vb)) AS mean_abs_diff,"
                + " max(abs(va - vb)) AS max_abs_diff, argMax(frame, abs(va - vb)) AS worst_frame"
                + " FROM (SELECT series, frame, avg(value) AS va FROM " + t + " WHERE run_id = " + a + " GROUP BY series, frame)"
                + " ALL INNER JOIN (SELECT series, frame, avg(value) AS vb FROM " + t + " WHERE run_id = " + b
                + " GROUP BY series, frame) USING (series, frame) GROUP BY series FORMAT JSONEachRow")) {
            diffs.put(n.path("series").asText(), n);
        }
        List<Row> out = new ArrayList<>();
        sides.forEach((series, pair) -> {
            JsonNode d = diffs.get(series);
            long aligned = d == null ? 0 : d.path("aligned").asLong();
            out.add(new Row(series, pair[0], pair[1], aligned,
                    d == null ? Double.NaN : d.path("mean_abs_diff").asDouble(),
                    d == null ? Double.NaN : d.path("max_abs_diff").asDouble(),
                    d == null ? -1 : d.path("worst_frame").asLong(),
                    pair[0].frames() - aligned, pair[1].frames() - aligned));
        });
        return out;
    }

    private static List<JsonNode> rows(ClickHouseClient ch, String sql) throws IOException, ClickHouseException {
        List<JsonNode> out = new ArrayList<>();
        // 64-bit integers come quoted in JSON output: asLong() parses them
        for (String line : ch.execute(sql).split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }
}
