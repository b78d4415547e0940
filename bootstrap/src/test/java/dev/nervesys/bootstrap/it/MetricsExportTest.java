package dev.nervesys.bootstrap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every capability's figures are Prometheus metrics (docs/operations.md, "Metrics"), and the alert
 * rules (docker/prometheus/nervesys-rules.yml) and the Grafana dashboard
 * (docker/grafana/nervesys-dashboard.json) name only metrics a real agent exports, so that
 * neither can drift from the code.
 */
class MetricsExportTest extends OneAgentTest {

    /** The metrics added for the capabilities beyond ingest, buffer and archive, with a label where there is one. */
    static final List<String> EXPECTED = List.of(
            "nervesys_dependency_degraded{dependency=\"archive\"}",
            "nervesys_dependency_degraded{dependency=\"clickhouse\"}",
            "nervesys_dependency_degraded{dependency=\"heartbeat\"}",
            "nervesys_dependency_degraded{dependency=\"snapshots\"}",
            "nervesys_dependency_degraded{dependency=\"drive\"}",
            "nervesys_dependency_degraded{dependency=\"alerts\"}",
            "nervesys_dependency_enabled{dependency=\"clickhouse\"}",
            "nervesys_dependency_degraded_seconds{dependency=\"archive\"}",
            "nervesys_clickhouse_lag_seconds",
            "nervesys_clickhouse_pending_records",
            "nervesys_clickhouse_shipped_records_total",
            "nervesys_clickhouse_series_rows_total",
            "nervesys_clickhouse_batches_total",
            "nervesys_clickhouse_dead_letters_total",
            "nervesys_clickhouse_dead_letters_stored",
            "nervesys_clickhouse_failures_total",
            "nervesys_clickhouse_consecutive_failures",
            "nervesys_alerts_raised_total{severity=\"critical\"}",
            "nervesys_alerts_deduplicated_total",
            "nervesys_alerts_rate_limited_total",
            "nervesys_alerts_unrouted_total",
            "nervesys_alerts_open",
            "nervesys_alerts_pending_deliveries",
            "nervesys_alerts_sent_total{channel=\"ops-webhook\"}",
            "nervesys_alerts_send_failures_total{channel=\"ops-mail\"}",
            "nervesys_heartbeat_beats_total",
            "nervesys_heartbeat_written_total",
            "nervesys_heartbeat_failures_total",
            "nervesys_heartbeat_last_success_age_seconds",
            "nervesys_heartbeat_spooled_beats",
            "nervesys_heartbeat_spool_dropped_total",
            "nervesys_live_connections",
            "nervesys_live_frames_sent_total",
            "nervesys_live_frames_dropped_total",
            "nervesys_live_dropped_records_total",
            "nervesys_live_records",
            "nervesys_live_memory_bytes",
            "nervesys_snapshots_taken_total{kind=\"config\"}",
            "nervesys_snapshots_taken_total{kind=\"backup\"}",
            "nervesys_snapshots_failures_total{kind=\"config\"}",
            "nervesys_snapshots_failures_total{kind=\"backup\"}",
            "nervesys_snapshots_last_success_age_seconds{kind=\"backup\"}",
            "nervesys_snapshots_pending",
            "nervesys_reports_produced_total",
            "nervesys_reports_uploads_total",
            "nervesys_reports_upload_failures_total",
            "nervesys_reports_pending_uploads");

    /** Metric names in PromQL and templates: ours, the JVM's and the process's (Prometheus's own "up" is not exported). */
    private static final Pattern REFERENCED = Pattern.compile("\\b((?:nervesys|jvm|process|camel)_[a-z0-9_]+)");
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? ");

    @Test
    void everyCapabilityIsExportedAndRulesAndDashboardNameOnlyExportedMetrics() throws Exception {
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        repo.copyFromProject("routes/ingest.camel.yaml", "routes/heartbeat.camel.yaml", "routes/clickhouse.camel.yaml",
                "config/alerts.yaml");
        int ingestPort = TestAgents.freePort();
        repo.write("config/application.properties", String.join("\n",
                "nervesys.ingest.port=" + ingestPort, "nervesys.ingest.host=127.0.0.1", "nervesys.ingest.tokens=t1",
                "nervesys.heartbeat.interval=1s", "nervesys.heartbeat.firstDelay=100ms", "nervesys.heartbeat.flushEvery=500ms",
                // shipping on, to a closed port: its failures are counted
                "nervesys.clickhouse.url=http://127.0.0.1:" + TestAgents.freePort(), "nervesys.clickhouse.backoffMax=1s", ""));
        repo.commit("metrics");
        int port = TestAgents.freePort();
        agent = TestAgents.start(TestAgents.flags("agent-metrics-all", tmp.resolve("data"), repo.uri(), port), Map.of());

        // one ingest request: its per-status series exist from then on
        HttpResponse<Void> ingested = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ingestPort + "/ingest")).header("Authorization", "Token t1")
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString("{\"timestamp\":\"2025-12-10T12:00:00Z\",\"level\":\"INFO\",\"message\":\"m\"}\n")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(ingested.statusCode()).isEqualTo(204);
        // the figures move with what the routes do: beats written to the local SQLite database, ClickHouse failing
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String m = TestAgents.get(port, "/observe/metrics", null, null).body();
            assertThat(value(m, "nervesys_heartbeat_written_total")).isPositive();
            assertThat(value(m, "nervesys_heartbeat_beats_total")).isPositive();
            assertThat(value(m, "nervesys_clickhouse_failures_total")).isPositive();
            assertThat(value(m, "nervesys_dependency_degraded{dependency=\"clickhouse\"}")).isEqualTo(1.0);
            assertThat(value(m, "nervesys_dependency_degraded{dependency=\"heartbeat\"}")).isZero();
            assertThat(value(m, "nervesys_heartbeat_last_success_age_seconds")).isLessThan(30);
        });
        String scrape = TestAgents.get(port, "/observe/metrics", null, null).body();
        Set<String> series = new TreeSet<>();
        Set<String> names = new TreeSet<>();
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            names.add(m.group(1));
            if (m.group(2) != null) {
                // label sets as {a="x",b="y"}: keep each label on its own for the checks below
                for (String label : m.group(2).substring(1, m.group(2).length() - 1).split(",(?=[a-zA-Z_]+=\")")) {
                    series.add(m.group(1) + "{" + label + "}");
                }
            }
        }
        for (String expected : EXPECTED) {
            if (expected.contains("{")) {
                assertThat(series).as("series " + expected + " in /observe/metrics").contains(expected);
            } else {
                assertThat(names).as(expected + " in /observe/metrics").contains(expected);
            }
        }
        // counters end in _total, durations in _seconds, sizes in _bytes; no secret or id in a label
        assertThat(names.stream().filter(n -> n.startsWith("nervesys_")).filter(n -> n.contains("millis") || n.contains("_ms")))
                .isEmpty();
        assertThat(scrape).doesNotContain("password").doesNotContain("token=");

        Path root = ConfigRepo.projectRoot();
        Set<String> referenced = new TreeSet<>();
        String rules = Files.readString(root.resolve("docker/prometheus/nervesys-rules.yml"), StandardCharsets.UTF_8);
        Set<String> fromRules = referenced(rules);
        assertThat(fromRules).as("the rules watch the data path and each capability").contains(
                "nervesys_buffer_disk_bytes", "nervesys_buffer_dropped_records_total", "nervesys_archive_lag_seconds",
                "nervesys_clickhouse_lag_seconds", "nervesys_clickhouse_dead_letters_total",
                "nervesys_heartbeat_failures_total", "nervesys_reports_upload_failures_total", "nervesys_dependency_degraded");
        referenced.addAll(fromRules);
        JsonNode dashboard = new ObjectMapper().readTree(root.resolve("docker/grafana/nervesys-dashboard.json").toFile());
        Set<String> fromDashboard = new TreeSet<>();
        for (JsonNode expr : dashboard.findValues("expr")) {
            fromDashboard.addAll(referenced(expr.asText()));
        }
        fromDashboard.addAll(referenced(dashboard.path("templating").toString()));
        assertThat(fromDashboard).as("the dashboard shows each capability").contains(
                "nervesys_ingest_records_total", "nervesys_buffer_disk_bytes", "nervesys_archive_lag_seconds",
                "nervesys_dependency_degraded", "nervesys_clickhouse_lag_seconds", "nervesys_alerts_raised_total",
                "nervesys_heartbeat_last_success_age_seconds", "nervesys_live_connections",
                "nervesys_snapshots_last_success_age_seconds", "nervesys_reports_pending_uploads");
        referenced.addAll(fromDashboard);
        for (String name : referenced) {
            assertThat(names).as(name + ", named by the rules or the dashboard, is in /observe/metrics").contains(name);
        }
    }

    /** The value of the first sample of {@code name} or {@code name{label="x"}} (that label among its labels). */
    private static double value(String exposition, String sample) {
        int brace = sample.indexOf('{');
        String name = brace < 0 ? sample : sample.substring(0, brace);
        String label = brace < 0 ? null : sample.substring(brace + 1, sample.length() - 1);
        for (String line : exposition.split("\n")) {
            boolean named = line.startsWith(name + " ") || line.startsWith(name + "{");
            if (named && (label == null || line.substring(0, line.lastIndexOf(' ')).contains(label))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(sample + " not in /observe/metrics");
    }

    private static Set<String> referenced(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = REFERENCED.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
