package dev.nervesys.reports;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Telemetry records per run, from ClickHouse's HTTP interface. ClickHouse 18.16 has no query
 * parameters, so the query is a setting with {@code {from}} and {@code {to}} replaced by epoch
 * seconds that this class computes itself (numbers only, never text from outside).
 */
public final class ClickHouseRuns {

    public static final String DEFAULT_QUERY = "SELECT run_id, count() FROM series WHERE ts >= toDateTime({from})"
            + " AND ts < toDateTime({to}) GROUP BY run_id ORDER BY run_id";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String user;
    private final String password;
    private final String query;

    public ClickHouseRuns(String url, String user, String password, String query) {
        this.url = url.endsWith("/") ? url : url + "/";
        this.user = user;
        this.password = password;
        this.query = query;
    }

    public List<FleetReport.RunCount> counts(Instant from, Instant to) throws IOException, InterruptedException {
        String sql = query.replace("{from}", Long.toString(from.getEpochSecond()))
                .replace("{to}", Long.toString(to.getEpochSecond())) + " FORMAT TabSeparated";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(60)).GET();
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("ClickHouse answered " + res.statusCode() + ": " + res.body().lines().findFirst().orElse(""));
        }
        List<FleetReport.RunCount> out = new ArrayList<>();
        for (String line : res.body().split("\n")) {
            int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                out.add(new FleetReport.RunCount(line.substring(0, tab), Long.parseLong(line.substring(tab + 1).trim())));
            }
        }
        return out;
    }
}
