package dev.nervesys.alerts;

import static org.assertj.core.api.Assertions.fail;

import dev.nervesys.buffer.DataPathHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, installed by docker/services.sh)
 * on a free loopback port, with a temporary config and storage path, no clustering. A missing binary
 * fails the test with what to install: never skipped.
 */
final class AlertmanagerProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Process process;
    private final int port;
    private final Path log;

    AlertmanagerProcess(Path dir) throws Exception {
        String binary = binary();
        port = DataPathHarness.freePort();
        Files.createDirectories(dir);
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: sink
                  group_by: [alertname, agent]
                  group_wait: 1s
                receivers:
                  - name: sink
                """);
        log = dir.resolve("alertmanager.log");
        process = new ProcessBuilder(binary, "--config.file=" + config, "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plusSeconds(20);
        while (!ready()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                close();
                fail("Alertmanager did not start on port " + port + ": " + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    static String binary() {
        for (String candidate : new String[] {System.getenv("NERVESYS_ALERTMANAGER"), "/usr/bin/prometheus-alertmanager",
                "/usr/local/bin/alertmanager", "/usr/bin/alertmanager"}) {
            if (candidate != null && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return fail("the Prometheus Alertmanager binary is missing: run docker/services.sh (apt-get install -y "
                + "prometheus-alertmanager) or set NERVESYS_ALERTMANAGER to its path");
    }

    private boolean ready() {
        try {
            return get("/-/ready").startsWith("OK");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
