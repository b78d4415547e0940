package dev.nervesys.bootstrap.it.console;

import static dev.nervesys.bootstrap.it.console.ConsolePage.errors;
import static dev.nervesys.bootstrap.it.console.ConsolePage.login;
import static dev.nervesys.bootstrap.it.console.ConsolePage.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.bootstrap.it.runs.Chromium;
import dev.nervesys.webconsole.PasswordHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;

/**
 * The fleet page in headless Chromium over a fleet database that is already filled (docs/console.md,
 * "Measured"; fill it with {@code FleetQueryBench 10000 1440 1 <db>} or bench/fleet-page.sh): an agent
 * with the web console switched on serves it, a viewer logs in, then each round reloads the page and
 * reads the browser's Performance API: first contentful paint, the moment the fleet answer arrived
 * (mark {@code nervesys-fleet-data}), its table built ({@code nervesys-fleet-drawn}) and shown (the frame after,
 * {@code nervesys-fleet-shown}),
 * all from the navigation's start. Reference in the same round: the same {@code /api/fleet} fetched by
 * a Java HTTP client with the viewer's cookie (the data alone, no browser). A benchmark, not a test.
 * Run: {@code java -cp $CP dev.nervesys.bootstrap.it.console.FleetPageBench <db> <rounds> [screenshot.png]}.
 */
public final class FleetPageBench {

    private FleetPageBench() {
    }

    public static void main(String[] args) throws Exception {
        String db = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path tmp = Files.createTempDirectory("fleet-page-bench");
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : new String[] {"errors", "webconsole"}) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(ConfigRepo.projectRoot().resolve("routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.modules.webconsole=true\n");
        repo.commit("console on");
        int port = TestAgents.freePort();
        Properties flags = TestAgents.flags("bench-console", tmp.resolve("data"), repo.uri(), TestAgents.freePort());
        flags.setProperty("nervesys.webconsole.port", String.valueOf(port));
        flags.setProperty("nervesys.postgres.url", "jdbc:postgresql://127.0.0.1:5432/" + db);
        String users = "vera:viewer:" + PasswordHashes.hash("viewer-pw".toCharArray(), 4);
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        try (Agent agent = TestAgents.start(flags, Map.of("NERVESYS_WEBCONSOLE_USERS", users, "NERVESYS_POSTGRES_USER", "postgres"));
             Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
                    HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            chrome.open(base + "/");
            waitFor(chrome, "login");
            login(chrome, "vera", "viewer-pw");
            waitFor(chrome, "fleet", Duration.ofSeconds(120));
            String cookie = chrome.script("return document.cookie").asText();
            String session = cookie.isEmpty() ? sessionFromLogin(http, base) : cookie;
            System.out.printf("warm-up: %s%n", chrome.script("return document.querySelector('#fleet-count').textContent").asText());
            for (int r = 1; r <= rounds; r++) {
                long a = System.nanoTime();
                HttpResponse<byte[]> api = http.send(HttpRequest.newBuilder(URI.create(base + "/api/fleet")).header("Cookie", session).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                double ref = (System.nanoTime() - a) / 1e6;
                if (api.statusCode() != 200) {
                    throw new IllegalStateException("/api/fleet " + api.statusCode());
                }
                chrome.script("document.body.dataset.loaded = 'false'; location.reload()");
                waitFor(chrome, "fleet", Duration.ofSeconds(120));
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> chrome.script(
                        "return performance.getEntriesByName('nervesys-fleet-shown').length").asInt() > 0);
                JsonNode m = chrome.script("""
                        const at = (n) => { const e = performance.getEntriesByName(n); return e.length ? e[e.length - 1].startTime : -1; };
                        return { fcp: at('first-contentful-paint'), data: at('nervesys-fleet-data'), drawn: at('nervesys-fleet-drawn'), shown: at('nervesys-fleet-shown'),
                                 rows: document.querySelectorAll('#fleet-table tbody tr').length,
                                 count: document.querySelector('#fleet-count').textContent };
                        """);
                System.out.printf("round %d: reference (GET /api/fleet in Java, %d KB) %.0f ms; browser: first contentful paint %.0f ms, "
                                + "fleet answer arrived %.0f ms, table built %.0f ms, table shown %.0f ms (%d rows in the DOM, %s), ratio shown / reference %.2f%n",
                        r, api.body().length / 1024, ref, m.path("fcp").asDouble(), m.path("data").asDouble(), m.path("drawn").asDouble(),
                        m.path("shown").asDouble(), m.path("rows").asInt(), m.path("count").asText(), m.path("shown").asDouble() / ref);
            }
            if (args.length > 2) {
                Files.write(Path.of(args[2]), chrome.screenshot());
            }
            String errs = errors(chrome);
            if (!errs.isEmpty()) {
                System.out.println("JavaScript errors: " + errs);
            }
        }
    }

    /** The session cookie is HttpOnly (not in document.cookie): log in once more from Java. */
    private static String sessionFromLogin(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"vera\",\"password\":\"viewer-pw\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    }
}
