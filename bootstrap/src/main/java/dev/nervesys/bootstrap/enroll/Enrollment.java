package dev.nervesys.bootstrap.enroll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
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
    /** The orchestrator's long-poll URL, set from the grant when the config comes from the orchestrator (reload.OrchestratorWatch). */
    public static final String WAIT_ENV = "NERVESYS_CONFIG_WAIT";
    static final String WAIT_PATH = "/v1/wait";
    private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

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
        String token = blankToNull(env.get(TOKEN_ENV));
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
            grant = refreshed(grant, url, token, host, file);
        } else if (token != null) {
            if (url == null) {
                throw new Agent.StartRefused(TOKEN_ENV + " is set but " + URL_ENV + " is not: set the orchestrator's URL");
            }
            grant = enroll(url, token, host, file);
        } else {
            return resolver;
        }
        return resolver.withEnvironmentDefaults(environment(grant, url));
    }

    private static ObjectNode refreshed(ObjectNode grant, String url, String token, String host, Path file) throws IOException {
        String agentId = grant.path("agentId").asText();
        HttpResponse<String> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/refresh")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", basic(agentId, grant.path("credential").asText()))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            LOG.warn("Orchestrator {} unreachable ({}): starting as agent {} with the enrollment stored in {}", url,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), agentId, file);
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
            store(file, fresh);
            return fresh;
        }
        String reason = "orchestrator " + url + " refused agent " + agentId + " (HTTP " + r.statusCode() + "): " + error(r);
        if ((r.statusCode() == 401 || r.statusCode() == 403) && token != null && !sha256(token).equals(grant.path("tokenHash").asText())) {
            LOG.warn("{}; enrolling again with the new {}", reason, TOKEN_ENV);
            return enroll(url, token, host, file);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new Agent.StartRefused(reason + "; to enroll again set " + TOKEN_ENV + " to a new token");
        }
        LOG.warn("{}: starting with the enrollment stored in {}", reason, file);
        return grant;
    }

    private static ObjectNode enroll(String url, String token, String host, Path file) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("token", token).put("host", host);
        HttpResponse<String> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/enroll")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Agent.StartRefused("cannot enroll: orchestrator " + url + " unreachable ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
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
