package dev.nervesys.bootstrap.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * An enrolled agent's long-poll of the orchestrator ({@code GET /v1/wait?have=<commit>}, docs/orchestrator.md):
 * one daemon thread asks whether the commit served to this agent differs from the one it has; the
 * orchestrator answers when it does (at once, or when the branch moves) or after 30 s. On a change
 * the agent fetches with Git at once ({@link ConfigSync#pollOnce}), so it learns of a commit within
 * seconds; the regular poll ({@code nervesys.config.pollSeconds}) stays as the fallback. Errors
 * (orchestrator down, refused) back off from 1 s to 30 s; the credential is never logged.
 */
public final class OrchestratorWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorWatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longer than the orchestrator's hold (30 s). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(45);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final String url;
    private final String authorization;
    private final ConfigSync sync;
    private final HttpClient http;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError;

    public OrchestratorWatch(String url, String agentId, String credential, ConfigSync sync) {
        this.url = url;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((agentId + ":" + credential).getBytes(StandardCharsets.UTF_8));
        this.sync = sync;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        // the certificate pinned at enrollment (docs/orchestrator.md, "TLS"), when the orchestrator speaks TLS
        javax.net.ssl.SSLContext pinned = dev.nervesys.common.PinnedTls.contextFor(url);
        if (pinned != null) {
            b.sslContext(pinned);
        }
        this.http = b.build();
        this.thread = new Thread(this::loop, "nervesys-config-watch");
        thread.setDaemon(true);
    }

    public OrchestratorWatch start() {
        thread.start();
        LOG.info("Config long-poll at {}", url);
        return this;
    }

    /** The last error of the long-poll, or null. */
    public String lastError() {
        return lastError;
    }

    private void loop() {
        long backoff = 1000;
        while (running) {
            String have = sync.lastSeen();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + (have == null ? "" : "?have=" + have)))
                        .header("Authorization", authorization).timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
                }
                JsonNode body = JSON.readTree(r.body());
                String served = body.path("commit").asText(null);
                lastError = null;
                if (body.path("changed").asBoolean() && served != null && !served.equals(have)) {
                    sync.pollOnce();
                    if (!served.equals(sync.lastSeen())) {
                        // the fetch did not bring it (yet): do not ask again at once
                        sleep(backoff);
                        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
                        continue;
                    }
                }
                backoff = 1000;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (!message.equals(lastError)) {
                    LOG.warn("Config long-poll at {} failed ({}); the regular poll goes on, retrying in {} ms", url, message, backoff);
                }
                lastError = message;
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
