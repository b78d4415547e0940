package dev.nervesys.bootstrap.it.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.it.TestAgents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Headless Chromium driven through chromedriver's WebDriver HTTP API (Debian packages chromium and
 * chromium-driver, installed here when missing: if that fails the test fails, it never skips). Used by the
 * runs UI test and the web console's (it.console.ConsoleWebTest).
 */
public final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Process driver;
    private final String base;
    private final String session;

    public static void install() throws Exception {
        if (Files.isExecutable(Path.of("/usr/bin/chromedriver")) && Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            return;
        }
        List<String> cmd = List.of("bash", "-c", "(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive "
                + "apt-get install -y -qq --no-install-recommends chromium chromium-driver");
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cannot install chromium and chromium-driver (apt-get failed)");
        }
    }

    public Chromium(Path profile) throws Exception {
        install();
        int port = TestAgents.freePort();
        driver = new ProcessBuilder("/usr/bin/chromedriver", "--port=" + port).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling("chromedriver.log").toFile()).start();
        base = "http://127.0.0.1:" + port;
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> call("GET", "/status", null).path("value").path("ready").asBoolean());
        String caps = JSON.createObjectNode().set("capabilities", JSON.createObjectNode().set("alwaysMatch",
                JSON.readTree("""
                        {"browserName":"chrome","goog:chromeOptions":{"binary":"/usr/bin/chromium","args":[
                        "--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run",
                        "--disable-background-networking","--disable-component-update","--disable-sync",
                        "--disable-dev-shm-usage","--window-size=1200,800","--user-data-dir=%s"]}}
                        """.formatted(profile.toString())))).toString();
        session = call("POST", "/session", caps).path("value").path("sessionId").asText();
    }

    public void open(String url) throws Exception {
        call("POST", "/session/" + session + "/url", JSON.createObjectNode().put("url", url).toString());
    }

    public JsonNode script(String js) throws Exception {
        return call("POST", "/session/" + session + "/execute/sync",
                JSON.createObjectNode().put("script", js).set("args", JSON.createArrayNode()).toString()).path("value");
    }

    public byte[] screenshot() throws Exception {
        return Base64.getDecoder().decode(call("GET", "/session/" + session + "/screenshot", null).path("value").asText());
    }

    private JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        try {
            call("DELETE", "/session/" + session, null);
        } catch (Exception e) {
            // the driver goes anyway
        }
        driver.destroy();
    }
}
