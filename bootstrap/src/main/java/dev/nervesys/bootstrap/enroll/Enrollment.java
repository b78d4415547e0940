package dev.nervesys.bootstrap.enroll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.PinnedGitConnections;
import dev.nervesys.common.PinnedTls;
import dev.nervesys.heartbeat.HeartbeatSettings;
import dev.nervesys.heartbeat.OrchestratorTarget;
import dev.nervesys.spi.StatusDatabaseLocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Zero-config start (docs/orchestrator.md): an agent started with {@code NERVESYS_ENROLL_TOKEN} and
 * {@code NERVESYS_ORCHESTRATOR_URL} enrolls once at the orchestrator and keeps what it was given
 * (agent id, credential, its group's settings and secrets, where its config comes from) in
 * {@code <dataDir>/enrollment/enrollment.json}, mode 0600. At every later start it refreshes that
 * grant with its credential (a revoked agent is refused with the orchestrator's message; an
 * unreachable orchestrator is not fatal: the stored grant is used) and never enrolls again, unless
 * it was revoked and is given a new token.
 *
 * <p>The grant reaches the settings as environment variables the real environment has not set
 * ({@link SettingsResolver#withEnvironmentDefaults}): settings under their variable names, secrets
 * as themselves, the credential as {@code NERVESYS_GIT_TOKEN} for the orchestrator's Git fan-out.
 * So secrets stay out of Camel's properties, the console and heartbeats exactly as real environment
 * secrets do, and nothing of them is logged.
 */
public final class Enrollment {

    public static final String TOKEN_ENV = "NERVESYS_ENROLL_TOKEN";
    public static final String URL_ENV = "NERVESYS_ORCHESTRATOR_URL";
    /** The orchestrator certificate's SHA-256 to pin, when the token does not carry it (docs/orchestrator.md, "TLS"). */
    public static final String FINGERPRINT_ENV = "NERVESYS_ORCHESTRATOR_FINGERPRINT";
    /** The orchestrator's long-poll URL, set from the grant when the config comes from the orchestrator (reload.OrchestratorWatch). */
    public static final String WAIT_ENV = "NERVESYS_CONFIG_WAIT";
    static final String WAIT_PATH = "/v1/wait";
    static final String HEARTBEAT_PATH = "/v1/heartbeat";
    private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Enrollment() {
    }

    /** Where an agent keeps its grant. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("enrollment").resolve("enrollment.json");
    }

    /**
     * The resolver to start with: {@code resolver} itself when the agent has no orchestrator, else
     * with the grant (enrolling or refreshing first).
     *
     * @throws Agent.StartRefused when enrollment or refresh is refused (the orchestrator's status and message)
     */
    public static SettingsResolver apply(SettingsResolver resolver, Path dataDir, String host) throws IOException {
        Map<String, String> env = resolver.environment();
        String given = blankToNull(env.get(TOKEN_ENV));
        String token = given == null ? null : dev.nervesys.orchestrator.Secrets.tokenSecret(given);
        String pin = pin(blankToNull(env.get(FINGERPRINT_ENV)), FINGERPRINT_ENV);
        if (pin == null && given != null) {
            pin = pin(dev.nervesys.orchestrator.Secrets.tokenPin(given), TOKEN_ENV);
        }
        String url = blankToNull(env.get(URL_ENV));
        if (url != null) {
            url = url.replaceAll("/+$", "");
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new Agent.StartRefused(URL_ENV + " must be an http:// or https:// URL, not '" + url + "'");
            }
        }
        Path file = file(dataDir);
        ObjectNode grant;
        if (Files.exists(file)) {
            grant = (ObjectNode) JSON.readTree(file.toFile());
            url = url != null ? url : grant.path("orchestratorUrl").asText();
            // the pin of the enrollment holds, unless the operator gives another one (a new certificate)
            pin = pin != null ? pin : blankToNull(grant.path("fingerprint").asText(null));
            pinned(url, pin);
            grant = refreshed(grant, url, token, pin, host, file);
        } else if (token != null) {
            if (url == null) {
                throw new Agent.StartRefused(TOKEN_ENV + " is set but " + URL_ENV + " is not: set the orchestrator's URL");
            }
            pinned(url, pin);
            grant = enroll(url, token, pin, host, file);
        } else {
            return resolver;
        }
        return resolver.withEnvironmentDefaults(environment(grant, url));
    }

    /** A pin given by a person or a token, normalized; null when none. */
    private static String pin(String given, String from) {
        if (given == null) {
            return null;
        }
        try {
            return PinnedTls.normalize(given);
        } catch (IllegalArgumentException e) {
            throw new Agent.StartRefused(from + ": " + e.getMessage());
        }
    }

    /** Every client of this agent that talks to {@code url} (this class, Git, the long-poll, heartbeats) pins the certificate. */
    private static void pinned(String url, String pin) {
        if (pin != null && url.startsWith("https://")) {
            PinnedTls.pin(url, pin);
            PinnedGitConnections.install();
        }
    }

    private static HttpClient client(String url) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        javax.net.ssl.SSLContext pinned = PinnedTls.contextFor(url);
        if (pinned != null) {
            b.sslContext(pinned);
        }
        return b.build();
    }

    /** Why a TLS connection failed, in words an operator can act on. */
    private static String tlsReason(String url, IOException e) {
        PinnedTls.Mismatch m = PinnedTls.mismatch(e);
        if (m != null) {
            return m.getMessage() + " at " + url + "; refusing it (a wrong fingerprint in the token or " + FINGERPRINT_ENV
                    + ", or not the orchestrator: nervesys token create prints its fingerprint)";
        }
        if (e instanceof javax.net.ssl.SSLException && url.startsWith("https://") && PinnedTls.pinFor(url) == null) {
            return (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "; a self-signed orchestrator "
                    + "certificate needs its fingerprint: use the token nervesys token create prints, or set " + FINGERPRINT_ENV;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static ObjectNode refreshed(ObjectNode grant, String url, String token, String pin, String host, Path file) throws IOException {
        String agentId = grant.path("agentId").asText();
        HttpResponse<String> r;
        try {
            r = client(url).send(HttpRequest.newBuilder(URI.create(url + "/v1/refresh")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", basic(agentId, grant.path("credential").asText()))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (PinnedTls.mismatch(e) != null) {
                // not the orchestrator it enrolled with: nothing is sent to it, and the Git fetch refuses it as well
                LOG.error("Orchestrator {}: {}; starting as agent {} with the enrollment stored in {} and the last good revision",
                        url, tlsReason(url, e), agentId, file);
                return grant;
            }
            LOG.warn("Orchestrator {} unreachable ({}): starting as agent {} with the enrollment stored in {}", url,
                    tlsReason(url, e), agentId, file);
            return grant;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() == 200) {
            ObjectNode fresh = (ObjectNode) JSON.readTree(r.body());
            fresh.put("credential", grant.path("credential").asText());
            fresh.put("tokenHash", grant.path("tokenHash").asText());
            fresh.put("orchestratorUrl", url);
            fresh.put("enrolledAt", grant.path("enrolledAt").asText());
            if (pin != null) {
                fresh.put("fingerprint", pin);
            }
            store(file, fresh);
            return fresh;
        }
        String reason = "orchestrator " + url + " refused agent " + agentId + " (HTTP " + r.statusCode() + "): " + error(r);
        if ((r.statusCode() == 401 || r.statusCode() == 403) && token != null && !sha256(token).equals(grant.path("tokenHash").asText())) {
            LOG.warn("{}; enrolling again with the new {}", reason, TOKEN_ENV);
            return enroll(url, token, pin, host, file);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new Agent.StartRefused(reason + "; to enroll again set " + TOKEN_ENV + " to a new token");
        }
        LOG.warn("{}: starting with the enrollment stored in {}", reason, file);
        return grant;
    }

    private static ObjectNode enroll(String url, String token, String pin, String host, Path file) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("token", token).put("host", host);
        HttpResponse<String> r;
        try {
            r = client(url).send(HttpRequest.newBuilder(URI.create(url + "/v1/enroll")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (PinnedTls.mismatch(e) != null) {
                throw new Agent.StartRefused("cannot enroll: " + tlsReason(url, e));
            }
            throw new Agent.StartRefused("cannot enroll: orchestrator " + url + " unreachable (" + tlsReason(url, e) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new Agent.StartRefused("enrollment refused by orchestrator " + url + " (HTTP " + r.statusCode() + "): " + error(r));
        }
        ObjectNode grant = (ObjectNode) JSON.readTree(r.body());
        grant.put("tokenHash", sha256(token));
        grant.put("orchestratorUrl", url);
        grant.put("enrolledAt", java.time.Instant.now().toString());
        if (pin != null) {
            grant.put("fingerprint", pin);
        }
        store(file, grant);
        LOG.info("Enrolled at {} as agent {} in group {}; enrollment stored in {}", url, grant.path("agentId").asText(),
                grant.path("group").asText(), file);
        return grant;
    }

    /** The grant as environment variables (settings by their variable names, secrets, the Git fan-out). */
    static Map<String, String> environment(JsonNode grant, String url) {
        Map<String, String> env = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = grant.path("settings").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            env.put(Settings.environmentName(e.getKey()), e.getValue().asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = grant.path("secrets").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            env.put(e.getKey(), e.getValue().asText());
        }
        String agentId = grant.path("agentId").asText();
        env.put(Settings.environmentName(Settings.AGENT_ID), agentId);
        env.put(OrchestratorTarget.CREDENTIAL_ENV, grant.path("credential").asText());
        if (!grant.path("settings").has(StatusDatabaseLocation.POSTGRES_URL.key())) {
            // no database named by the group: heartbeats (applied and rejected revision, health) go to the orchestrator
            env.put(Settings.environmentName(HeartbeatSettings.ORCHESTRATOR.key()), url + HEARTBEAT_PATH);
        }
        JsonNode config = grant.path("config");
        if (config.isObject()) {
            env.put("NERVESYS_CONFIG_REPO", url + config.path("path").asText());
            env.put("NERVESYS_CONFIG_BRANCH", config.path("branch").asText("main"));
            env.put("NERVESYS_CONFIG_GITUSER", agentId);
            env.put("NERVESYS_GIT_TOKEN", grant.path("credential").asText());
            env.put(WAIT_ENV, url + WAIT_PATH);
        }
        return env;
    }

    /** Writes the grant readable by the agent's user only (0600 in a 0700 directory, where the file system has modes). */
    private static void store(Path file, ObjectNode grant) throws IOException {
        Path dir = file.getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(grant), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String error(HttpResponse<String> r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n.path("error").isTextual()) {
                return n.get("error").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the first line of the body
        }
        String b = r.body() == null ? "" : r.body().strip();
        return b.isEmpty() ? "no message" : b.lines().findFirst().orElse("");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.trim().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
