package dev.nervesys.reports;

import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Telemetry records per run, from ClickHouse through the agent's one ClickHouse HTTP client
 * ({@link ClickHouseClient}, the shipper's and the runs API's). ClickHouse 18.16 has no query
 * parameters, so the query is a setting with {@code {from}} and {@code {to}} replaced by epoch
 * seconds that this class computes itself (numbers only, never text from outside).
 */
public final class ClickHouseRuns {

    public static final String DEFAULT_QUERY = "SELECT run_id, count() FROM series WHERE ts >= toDateTime({from})"
            + " AND ts < toDateTime({to}) GROUP BY run_id ORDER BY run_id";
    /** A report's query scans a period of series: allowed longer than the shipper's inserts. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final ClickHouseClient client;
    private final String query;

    /**
     * @param url the HTTP interface ({@code http://host:8123}); the query names its tables, so the
     *            client's database is not used
     */
    public ClickHouseRuns(String url, String user, String password, String query) {
        this(new ClickHouseClient(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, "default", user, password,
                TIMEOUT), query);
    }

    public ClickHouseRuns(ClickHouseClient client, String query) {
        this.client = client;
        this.query = query;
    }

    public List<FleetReport.RunCount> counts(Instant from, Instant to) throws IOException, ClickHouseException {
        String sql = query.replace("{from}", Long.toString(from.getEpochSecond()))
                .replace("{to}", Long.toString(to.getEpochSecond())) + " FORMAT TabSeparated";
        List<FleetReport.RunCount> out = new ArrayList<>();
        for (String line : client.execute(sql).split("\n")) {
            int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                out.add(new FleetReport.RunCount(line.substring(0, tab), Long.parseLong(line.substring(tab + 1).trim())));
            }
        }
        return out;
    }
}
