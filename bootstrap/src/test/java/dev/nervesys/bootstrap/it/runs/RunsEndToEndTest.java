package dev.nervesys.bootstrap.it.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs through the real runtime: an agent from a bare Git config repo holding the real
 * ingest/clickhouse/runs/live route files, the real ClickHouse 18.16 (a database of its own),
 * JDK WebSocket clients (nervesys.live.v1 and Foxglove) and the UI in headless Chromium.
 */
class RunsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CH = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");

    @TempDir
    Path tmp;
    private Agent agent;
    private String db;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (db != null) {
            ch("DROP DATABASE IF EXISTS " + db);
        }
    }

    private static String ch(String sql) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(CH + "/")).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    private static HttpResponse<String> http(String method, String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static String records(String run, long from, int n) {
        StringBuilder b = new StringBuilder();
        for (long f = from; f < from + n; f++) {
            b.append("{\"run_id\":\"").append(run).append("\",\"source\":\"engine\",\"type\":\"update\",\"frame\":").append(f)
                    .append(",\"time\":\"").append(Instant.parse("2025-12-10T12:00:00Z").plusMillis(f)).append("\",\"fields\":{\"rpm\":")
                    .append(1000 + (f % 500)).append(",\"temp\":").append(80 + f * 0.001).append("}}\n");
        }
        return b.toString();
    }

    /** A JDK WebSocket client that keeps every text and binary message. */
    static final class Client implements WebSocket.Listener {
        final List<String> texts = new CopyOnWriteArrayList<>();
        final List<ByteBuffer> binaries = new CopyOnWriteArrayList<>();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                texts.add(part.toString());
                part.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining());
            copy.put(data).flip();
            binaries.add(copy);
            ws.request(1);
            return null;
        }
    }

    @Test
    void runLiveViewClickHouseExportAndUi() throws Exception {
        db = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
        for (String f : List.of("ingest", "clickhouse", "runs", "live")) {
            repo.write("routes/" + f + ".camel.yaml", Files.readString(Path.of("../routes/" + f + ".camel.yaml")));
        }
        repo.write("config/application.properties", "nervesys.clickhouse.url=" + CH + "\nnervesys.clickhouse.database=" + db + "\n");
        repo.commit("runs config");
        int ingestPort = TestAgents.freePort();
        int livePort = TestAgents.freePort();
        int mgmt = TestAgents.freePort();
        Properties flags = TestAgents.flags("agent-runs", tmp.resolve("data"), repo.uri(), mgmt);
        flags.setProperty("nervesys.ingest.port", String.valueOf(ingestPort));
        flags.setProperty("nervesys.ingest.host", "127.0.0.1");
        flags.setProperty("nervesys.live.port", String.valueOf(livePort));
        flags.setProperty("nervesys.live.host", "127.0.0.1");
        agent = TestAgents.start(flags, Map.of());
        String ingest = "http://127.0.0.1:" + ingestPort;
        String api = "http://127.0.0.1:" + livePort; // the runs API is served next to the UI
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http("GET", api + "/runs", null).statusCode() == 200);
        // nothing of the runs API on the ingest port (its pipeline belongs to the ingest routes)
        assertThat(http("GET", ingest + "/runs", null).statusCode()).isEqualTo(404);

        // the run starts with metadata, clients subscribe before any record arrives
        JsonNode started = JSON.readTree(http("POST", api + "/runs/e2e/start",
                "{\"name\":\"bench 1\",\"engine\":\"v8\",\"parameters\":{\"load\":0.5}}").body());
        assertThat(started.path("status").asText()).isEqualTo("live");
        Client live = new Client();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + livePort + "/live"), live).join();
        ws.sendText("{\"op\":\"subscribe\",\"id\":\"a\",\"run\":\"e2e\",\"series\":[\"engine.r*\"],\"rate\":1000}", true).join();
        Client fox = new Client();
        WebSocket fws = HTTP.newWebSocketBuilder().subprotocols("foxglove.websocket.v1")
                .buildAsync(URI.create("ws://127.0.0.1:" + livePort + "/"), fox).join();
        assertThat(fws.getSubprotocol()).isEqualTo("foxglove.websocket.v1");

        assertThat(http("POST", ingest + "/ingest", records("e2e", 0, 1000)).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).until(() -> fox.texts.stream().anyMatch(t -> t.contains("/nervesys/e2e/engine")));
        JsonNode adv = fox.texts.stream().map(RunsEndToEndTest::tree).filter(n -> n.path("op").asText().equals("advertise")).findFirst().orElseThrow();
        assertThat(fox.texts.get(0)).contains("\"op\":\"serverInfo\"");
        fws.sendText("{\"op\":\"subscribe\",\"subscriptions\":[{\"id\":7,\"channelId\":" + adv.path("channels").get(0).path("id").asInt() + "}]}", true).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> !fox.texts.isEmpty()); // subscription reaches the hub
        assertThat(http("POST", ingest + "/ingest", records("e2e", 1000, 1000)).statusCode()).isEqualTo(204);

        // live: the subscribed series only, every point at rate 1000 with 1 ms spacing, values as sent
        await().atMost(Duration.ofSeconds(30)).until(() -> livePoints(live, "engine.rpm") >= 2000);
        assertThat(live.texts).noneMatch(t -> t.contains("engine.temp"));
        JsonNode first = live.texts.stream().map(RunsEndToEndTest::tree).filter(n -> n.path("type").asText().equals("data")
                && n.path("series").has("engine.rpm")).findFirst().orElseThrow();
        assertThat(first.path("series").path("engine.rpm").path("f").get(0).asLong()).isZero();
        assertThat(first.path("series").path("engine.rpm").path("v").get(0).asDouble()).isEqualTo(1000.0);
        // Foxglove: binary messageData frames (opcode 1, subscription 7) with the record as JSON
        await().atMost(Duration.ofSeconds(30)).until(() -> !fox.binaries.isEmpty());
        ByteBuffer msg = fox.binaries.get(0).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(msg.get()).isEqualTo((byte) 1);
        assertThat(msg.getInt()).isEqualTo(7);
        long ts = msg.getLong();
        JsonNode payload = JSON.readTree(StandardCharsets.UTF_8.decode(msg).toString());
        assertThat(payload.path("frame").asLong()).isGreaterThanOrEqualTo(1000);
        assertThat(ts).isEqualTo(Instant.parse("2025-12-10T12:00:00Z").plusMillis(payload.path("frame").asLong()).toEpochMilli() * 1_000_000);
        assertThat(payload.path("rpm").asDouble()).isEqualTo(1000 + payload.path("frame").asLong() % 500);

        // the UI in headless Chromium shows the points of run e2e in its series colour
        Chromium.install();
        try (Chromium chrome = new Chromium(tmp.resolve("chrome-profile"))) {
            chrome.open("http://127.0.0.1:" + livePort + "/?run=e2e&series=engine.rpm&rate=1000");
            await().atMost(Duration.ofSeconds(60)).until(() -> chrome.script("return window.nervesysPoints || 0").asLong() >= 2000);
            // the chart redraws every 200 ms: wait until the canvas holds the line
            await().atMost(Duration.ofSeconds(30)).until(() -> redPixels(chrome.screenshot()) > 500);
            byte[] png = chrome.screenshot();
            Files.write(Path.of("target", "runs-ui.png"), png);
            assertThat(redPixels(png)).isGreaterThan(500);
        }

        // end, ClickHouse holds every record once, run metadata listed, export streams the series
        assertThat(JSON.readTree(http("POST", api + "/runs/e2e/end", null).body()).path("status").asText()).isEqualTo("ended");
        await().atMost(Duration.ofSeconds(60)).until(() -> ch("SELECT count() FROM " + db + ".series WHERE run_id = 'e2e'").equals("4000"));
        assertThat(ch("SELECT uniqExact(buffer_id) FROM " + db + ".events WHERE run_id = 'e2e'")).isEqualTo("2000");
        await().atMost(Duration.ofSeconds(30)).until(() -> ch("SELECT status FROM " + db + ".runs FINAL WHERE run_id = 'e2e'").equals("ended"));
        JsonNode runs = JSON.readTree(http("GET", api + "/runs", null).body());
        JsonNode e2e = runs.get(0);
        assertThat(e2e.path("run_id").asText()).isEqualTo("e2e");
        assertThat(e2e.path("name").asText()).isEqualTo("bench 1");
        assertThat(e2e.path("engine").asText()).isEqualTo("v8");
        assertThat(e2e.path("parameters").path("load").asDouble()).isEqualTo(0.5);
        assertThat(e2e.path("status").asText()).isEqualTo("ended");
        HttpResponse<String> csv = http("GET", api + "/runs/e2e/export?format=csv&series=engine.rpm", null);
        assertThat(csv.statusCode()).isEqualTo(200);
        String[] lines = csv.body().split("\n");
        assertThat(lines).hasSize(2001);
        assertThat(lines[0]).isEqualTo("\"series\",\"frame\",\"time\",\"value\"");
        assertThat(lines[1501]).isEqualTo("\"engine.rpm\",1500,\"2025-12-10T12:00:01.500000000Z\",1000");
        HttpResponse<String> json = http("GET", api + "/runs/e2e/export?format=json&series=engine.*", null);
        assertThat(json.body().split("\n")).hasSize(4000);
        assertThat(JSON.readTree(json.body().split("\n")[0]).path("frame").isNumber()).isTrue();
        assertThat(http("GET", api + "/runs/e2e/export?format=xml", null).statusCode()).isEqualTo(400);
        // health shows the ClickHouse check
        HttpResponse<String> health = TestAgents.get(mgmt, "/observe/health/ready?data=true&exposureLevel=full", null, null);
        assertThat(health.body()).contains("nervesys-clickhouse").contains("\"pendingRows\":0");
        ws.abort();
        fws.abort();
    }

    private static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long livePoints(Client c, String series) {
        return c.texts.stream().map(RunsEndToEndTest::tree).filter(n -> n.path("type").asText().equals("data"))
                .mapToLong(n -> n.path("series").path(series).path("f").size()).sum();
    }

    /**
     * Pixels of run A's first colour (#e6194b) below the legend (y from 80: the plot area), with a
     * little tolerance for anti-aliasing.
     */
    static long redPixels(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        long n = 0;
        for (int y = 80; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.abs(r - 0xe6) < 24 && Math.abs(g - 0x19) < 24 && Math.abs(b - 0x4b) < 24) {
                    n++;
                }
            }
        }
        return n;
    }
}
