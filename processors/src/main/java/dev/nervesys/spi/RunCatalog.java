package dev.nervesys.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Runs and their series as other capabilities read them (the web console's runs pages,
 * docs/console.md): bean {@code runCatalog}, made by the runs capability with its own queries
 * (the registry's list, {@code GET /runs/{id}}, the export's SQL), so that a reader never keeps a
 * second copy of them. Series are read from ClickHouse's {@code series} table; every method but
 * {@link #list()} may block on ClickHouse. Failures of ClickHouse (unreachable, or an answer other
 * than 200) are {@link IOException}s whose message says which.
 */
public interface RunCatalog {

    /** Whether series can be read (ClickHouse shipping is on); without it only the registry's runs are known. */
    boolean hasSeries();

    /** Every run, live or ended, newest first: ClickHouse's table overlaid with this agent's view ({@code GET /runs}). */
    List<JsonNode> list();

    /** One run as {@link #list()} shows it, or null when neither this agent nor ClickHouse knows it. */
    JsonNode get(String runId) throws IOException;

    /** The series of a run, by name: how many points each has and its first and last frame. */
    List<SeriesInfo> series(String runId) throws IOException;

    /**
     * Points of some series of a run between two frames (both included), down-sampled on the server
     * to at most {@code maxPoints} per series: frames fall into buckets of {@code bucket} frames
     * starting at {@code fromFrame}, each bucket drawn at its first frame with the mean, minimum and
     * maximum of its values, so that two runs read with the same range and bucket line up frame by frame.
     */
    Points points(String runId, List<String> series, long fromFrame, long toFrame, int maxPoints) throws IOException;

    /**
     * The runs export ({@code GET /runs/{id}/export}) of a selection: series patterns (comma separated,
     * {@code *} any characters; null = all) and a frame range (null = open), as CSV or NDJSON, streamed
     * from ClickHouse; the caller closes it.
     *
     * @throws IllegalArgumentException for a format other than csv or json
     */
    InputStream export(String runId, String series, String format, Long fromFrame, Long toFrame) throws IOException;

    /** One series of a run. */
    record SeriesInfo(String name, long points, long firstFrame, long lastFrame) {
    }

    /** Down-sampled points: per series the bucket frames, means, minima and maxima, index by index. */
    record Points(long fromFrame, long toFrame, long bucket, java.util.Map<String, Line> series) {
    }

    /** One series' buckets. */
    record Line(long[] frames, double[] mean, double[] min, double[] max) {
    }
}
