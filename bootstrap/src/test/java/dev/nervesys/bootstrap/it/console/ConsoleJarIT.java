package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The web console of the packaged jar (bootstrap/target/nervesys.jar, run by failsafe after the
 * package phase, as an operator starts it: {@code java -jar nervesys.jar orchestrator} in a process
 * of its own) in headless Chromium: every page of the navigation loads as an admin with no
 * JavaScript error or CSP violation, and the assets the shade filters keep (Chart.js, uPlot) are
 * served from the jar. The other console tests run the same runtime in the test JVM; this one
 * catches what only packaging can break (a resource filtered out of the jar, an add-on missing).
 */
class ConsoleJarIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The views of the navigation and what each must show once loaded. */
    private static final List<String> VIEWS = List.of("fleet", "alerts", "modules", "reports", "performance", "users", "audit");

    @TempDir
    Path tmp;
    private Process jar;
    private PgDatabase db;

    @AfterEach
    void stop() throws Exception {
        TestAgents.stop(jar);
        if (db != null) {
            db.close();
        }
    }

    @Test
    void everyPageOfThePackagedJarLoadsWithoutAnError() throws Exception {
        Path jarFile = ConfigRepo.projectRoot().resolve("bootstrap/target/nervesys.jar");
        assertThat(jarFile).as("failsafe runs after package").isRegularFile();
        db = new PgDatabase("consjar_");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        ds.setUser(PgDatabase.USER);
        Migrations.apply(ds, Dialect.POSTGRES);
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, interval_seconds)"
                    + " VALUES ('edge-1', 'host-1', now(), 'healthy', '{\"cpu_percent\":7.5}', '[]', 'abc', 60)");
        }
        // the orchestrator's own config: its routes and the console's, from the project
        Path config = tmp.resolve("config");
        for (String route : new String[] {"orchestrator", "errors", "webconsole"}) {
            Path to = config.resolve("routes/" + route + ".camel.yaml");
            Files.createDirectories(to.getParent());
            Files.copy(ConfigRepo.projectRoot().resolve("routes/" + route + ".camel.yaml"), to);
        }
        Files.createDirectories(config.resolve("config/groups"));
        Files.writeString(config.resolve("config/groups/edge.properties"), "agentId={host}\n");
        try (ConfigRepo upstream = new ConfigRepo(tmp.resolve("upstream"))) {
            upstream.copyFromProject("routes/errors.camel.yaml");
            upstream.commit("first");

            int consolePort = TestAgents.freePort();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-Dnervesys.agentId=orch-jar",
                    "-Dnervesys.dataDir=" + tmp.resolve("data"),
                    "-Dnervesys.config.repo=" + config,
                    "-Dnervesys.orchestrator.port=" + TestAgents.freePort(),
                    "-Dnervesys.orchestrator.upstream=" + upstream.uri(),
                    "-Dnervesys.postgres.url=" + db.url(),
                    "-Dnervesys.webconsole.port=" + consolePort,
                    "-Dcamel.management.port=" + TestAgents.freePort(),
                    "-Dcamel.management.host=127.0.0.1",
                    "-jar", jarFile.toString(), "orchestrator"));
            ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("jar.log").toFile());
            pb.environment().put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
            pb.environment().put("NERVESYS_WEBCONSOLE_USERS", "ada:admin:" + PasswordHashes.hash("admin-pw".toCharArray(), 4));
            jar = pb.start();

            String base = "http://127.0.0.1:" + consolePort;
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
                assertThat(jar.isAlive()).as(() -> log()).isTrue();
                return get(base + "/").statusCode() == 200;
            });
            // the chart libraries the shade filters keep, served from the jar
            for (String asset : new String[] {"/assets/uplot.min.js", "/assets/uplot.min.css"}) {
                HttpResponse<String> r = get(base + asset);
                assertThat(r.statusCode()).as(asset).isEqualTo(200);
                assertThat(r.body()).as(asset).isNotBlank();
            }

            try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
                chrome.open(base + "/");
                waitFor(chrome, "login");
                login(chrome, "ada", "admin-pw");
                waitFor(chrome, "fleet");
                assertThat(chrome.script("return document.querySelector('tr[data-agent=\"edge-1\"]').textContent").asText())
                        .contains("edge-1");
                for (String view : VIEWS) {
                    chrome.script("location.hash = '#/" + view + "'");
                    waitFor(chrome, view);
                    assertThat(errors(chrome)).as(view).isEmpty();
                }
                // the agent page draws its charts with Chart.js from the jar
                chrome.script("location.hash = '#/agent/edge-1'");
                waitFor(chrome, "agent");
                assertThat(chrome.script("return typeof Chart").asText()).isEqualTo("function");
                // the runs list: the orchestrator has no ClickHouse, and the page says so instead of failing
                chrome.script("location.hash = '#/runs'");
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> chrome.script(
                        "return document.body.dataset.view").asText().equals("runs"));
                assertThat(chrome.script("return typeof uPlot").asText()).isEqualTo("function");
                assertThat(errors(chrome)).isEmpty();
            }
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("jar.log"));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
