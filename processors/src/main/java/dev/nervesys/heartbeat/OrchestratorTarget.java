package dev.nervesys.heartbeat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.common.PinnedTls;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Heartbeats of an enrolled agent sent to its orchestrator instead of a database
 * ({@code nervesys.heartbeat.orchestrator}, docs/heartbeat.md and docs/orchestrator.md): route
 * heartbeat-flush posts the spooled beats, as the JSON of their agent_status columns, to
 * {@code <orchestrator>/v1/heartbeat} with the agent's credential (basic auth, agent id and
 * {@value #CREDENTIAL_ENV}), over the certificate pinned at enrollment when the orchestrator speaks
 * TLS. The orchestrator writes them to agent_status of its PostgreSQL, where its fleet API and
 * rollouts read them: an agent needs no database of its own. A refusal or an unreachable
 * orchestrator throws, so the beats stay spooled and the store backs off as for a database.
 */
public final class OrchestratorTarget {

    /** The agent's credential, set from its enrollment grant (a secret: environment only). */
    public static final String CREDENTIAL_ENV = "NERVESYS_ORCHESTRATOR_CREDENTIAL";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String authorization;
    private volatile HttpClient http;

    public OrchestratorTarget(String url, String agentId, String credential) {
        this.url = url;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((agentId + ":" + credential).getBytes(StandardCharsets.UTF_8));
    }

    public String url() {
        return url;
    }

    /** Posts the beats; returns normally only when the orchestrator stored them. */
    void send(List<Map<String, Object>> rows) throws IOException, InterruptedException {
        HttpResponse<String> r = client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(rows))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            String body = r.body() == null ? "" : r.body().strip();
            throw new IOException("orchestrator " + url + " refused the heartbeats (HTTP " + r.statusCode() + "): "
                    + (body.length() > 300 ? body.substring(0, 300) : body));
        }
    }

    private HttpClient client() {
        // built at first use: the pin is registered by the enrollment before the agent's beans run, but read here lazily
        HttpClient c = http;
        if (c == null) {
            HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
            javax.net.ssl.SSLContext pinned = PinnedTls.contextFor(url);
            if (pinned != null) {
                b.sslContext(pinned);
            }
            c = b.build();
            http = c;
        }
        return c;
    }

    @Override
    public String toString() {
        return "OrchestratorTarget[" + url + "]";
    }
}
