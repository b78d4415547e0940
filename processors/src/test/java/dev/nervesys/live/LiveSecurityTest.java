package dev.nervesys.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.common.HttpLimits;
import dev.nervesys.spi.HttpApi;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live port under attack (docs/security.md, "Live port"): with NERVESYS_LIVE_TOKENS every path
 * (UI, runs API, WebSocket handshakes of both protocols) needs a token, given as Bearer, Basic,
 * query parameter or the cookie the UI page sets; the token never reaches the API; rate limit per
 * token; traversal in run ids, oversized request lines and headers, and a slow client each get a
 * clear refusal while a well-behaved client keeps being served.
 */
class LiveSecurityTest {

    private static final String TOKEN = "live-tok-3c9e1a";
    private static final String OTHER = "live-tok-other-77";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LiveServer server;
    private final List<String> apiSaw = new CopyOnWriteArrayList<>();

    private int start(LiveAccess access, HttpLimits limits) throws Exception {
        LiveSettings cfg = new LiveSettings("127.0.0.1", 0, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
        HttpApi api = new HttpApi() {
            @Override
            public boolean accepts(String path) {
                return path.startsWith("/runs");
            }

            @Override
            public Answer handle(String method, dev.nervesys.spi.RequestTarget target, byte[] body) {
                // what the API saw, as path?query (decoded, in request order)
                String uri = target.path() + (target.query().isEmpty() ? "" : "?" + target.query().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining("&")));
                apiSaw.add(uri);
                return Answer.bytes(200, "application/json", ("{\"uri\":\"" + uri + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        };
        server = new LiveServer(new LiveHub(cfg, null, "test"), cfg, api, access, limits);
        server.start();
        return server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyPathNeedsATokenGivenAsBearerBasicQueryOrCookieAndTheTokenGoesNoFurther() throws Exception {
        int port = start(new LiveAccess(TOKEN + "," + OTHER, 0, 0), HttpLimits.NONE);
        for (String path : List.of("/", "/ui/", "/ui/app.js", "/vendor/chartjs/chart.umd.js", "/runs", "/runs/r1",
                "/runs/r1/export?format=csv", "/anything")) {
            HttpResponse<String> r = get(port, path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.headers().allValues("WWW-Authenticate")).as(path).anyMatch(v -> v.startsWith("Bearer"))
                    .anyMatch(v -> v.startsWith("Basic"));
            assertThat(get(port, path, "Authorization", "Bearer wrong").statusCode()).as(path).isEqualTo(403);
        }
        assertThat(apiSaw).isEmpty();

        assertThat(get(port, "/runs", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get(port, "/runs", "Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("anyone:" + OTHER).getBytes(StandardCharsets.UTF_8))).statusCode()).isEqualTo(200);
        // the query parameter works and is cut off before the API sees the URI
        HttpResponse<String> q = get(port, "/runs/r1/export?format=csv&token=" + TOKEN + "&series=a");
        assertThat(q.statusCode()).isEqualTo(200);
        assertThat(apiSaw.get(apiSaw.size() - 1)).isEqualTo("/runs/r1/export?format=csv&series=a");
        assertThat(String.join(" ", apiSaw)).doesNotContain(TOKEN).doesNotContain(OTHER);
        // a browser's first visit with ?token= gets the page and a cookie its own requests then carry
        HttpResponse<String> page = get(port, "/?token=" + TOKEN);
        assertThat(page.statusCode()).isEqualTo(200);
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith(LiveAccess.COOKIE + "=").contains("HTTPOnly").contains("SameSite=Strict");
        assertThat(get(port, "/runs", "Cookie", cookie.substring(0, cookie.indexOf(';'))).statusCode()).isEqualTo(200);
        assertThat(get(port, "/runs", "Cookie", LiveAccess.COOKIE + "=nope").statusCode()).isEqualTo(403);
    }

    @Test
    void theWebSocketHandshakeOfBothProtocolsNeedsAToken() throws Exception {
        int port = start(new LiveAccess(TOKEN, 0, 0), HttpLimits.NONE);
        for (String protocol : List.of("nervesys.live.v1", FoxgloveSession.SUBPROTOCOL)) {
            Throwable refused = null;
            try {
                HTTP.newWebSocketBuilder().subprotocols(protocol).buildAsync(URI.create("ws://127.0.0.1:" + port + "/"),
                        new WebSocket.Listener() { }).join();
            } catch (CompletionException e) {
                refused = e.getCause();
            }
            assertThat(refused).as(protocol).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode()).isEqualTo(401);

            WebSocket ws = HTTP.newWebSocketBuilder().subprotocols(protocol).header("Authorization", "Bearer " + TOKEN)
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), new WebSocket.Listener() { }).join();
            assertThat(ws.getSubprotocol()).isEqualTo(protocol);
            ws.abort();
            WebSocket byQuery = HTTP.newWebSocketBuilder().subprotocols(protocol)
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/?token=" + TOKEN), new WebSocket.Listener() { }).join();
            assertThat(byQuery.getSubprotocol()).isEqualTo(protocol);
            byQuery.abort();
        }
    }

    @Test
    void aTokenOverItsRateGets429WithRetryAfterWhileAnotherTokenIsServed() throws Exception {
        int port = start(new LiveAccess(TOKEN + "," + OTHER, 1, 3), HttpLimits.NONE);
        for (int i = 0; i < 3; i++) {
            assertThat(get(port, "/runs", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get(port, "/runs", "Authorization", "Bearer " + TOKEN);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(limited.body()).contains("rate limit");
        assertThat(get(port, "/runs", "Authorization", "Bearer " + OTHER).statusCode()).isEqualTo(200);
    }

    @Test
    void traversalInRunIdsIsRefusedBeforeTheApi() throws Exception {
        int port = start(LiveAccess.open(), HttpLimits.NONE);
        for (String path : List.of("/runs/..%2F..%2Fetc%2Fpasswd", "/runs/%2e%2e/export", "/runs/a%5C..%5Cb/export",
                "/runs/..", "/runs/r1%00/export", "/ui/..%2F..%2Fpom.xml")) {
            HttpResponse<String> r = get(port, path);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).containsAnyOf("path not allowed", "malformed");
        }
        assertThat(apiSaw).isEmpty();
        assertThat(get(port, "/runs/r-1.2_x/export").statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedRequestLinesAndHeadersGet414And431() throws Exception {
        int port = start(LiveAccess.open(), new HttpLimits(0, 1024, 2048, 0));
        assertThat(get(port, "/runs?x=" + "a".repeat(2000)).statusCode()).isEqualTo(414);
        assertThat(get(port, "/runs", "X-Big", "b".repeat(4000)).statusCode()).isEqualTo(431);
        assertThat(get(port, "/runs").statusCode()).isEqualTo(200);
        assertThat(server.counters().tooLarge.get()).isEqualTo(2);
    }

    @Test
    void aSlowClientIsCutWith408WhileAWellBehavedOneIsServed() throws Exception {
        int port = start(LiveAccess.open(), new HttpLimits(1000, 8192, 16384, 0));
        try (Socket slow = new Socket("127.0.0.1", port); Socket silent = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(5000);
            OutputStream out = slow.getOutputStream();
            byte[] head = "POST /runs/r1/start HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            out.flush();
            long t0 = System.nanoTime();
            String answer = null;
            InputStream in = slow.getInputStream();
            // one body byte every 100 ms: 100 bytes would take 10 s
            for (int i = 0; i < 100 && answer == null; i++) {
                try {
                    out.write('x');
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                if (i % 3 == 0) {
                    // meanwhile a well-behaved client is served
                    assertThat(get(port, "/runs").statusCode()).isEqualTo(200);
                }
                Thread.sleep(100);
                if (in.available() > 0) {
                    answer = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
                }
            }
            if (answer == null) {
                answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(took).isBetween(800L, 4000L);
            // a connection that sends nothing is cut too
            silent.setSoTimeout(5000);
            assertThat(new String(silent.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 408");
        }
        assertThat(server.counters().timedOut.get()).isEqualTo(2);
        assertThat(apiSaw).doesNotContain("/runs/r1/start");
    }

    @Test
    void connectionsOverTheLimitAreClosedAtAccept() throws Exception {
        int port = start(LiveAccess.open(), new HttpLimits(5000, 8192, 16384, 2));
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            Thread.sleep(200);
            try (Socket c = new Socket("127.0.0.1", port)) {
                c.setSoTimeout(3000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(server.counters().refusedConnections.get()).isEqualTo(1);
        }
        Thread.sleep(300);
        assertThat(get(port, "/runs").statusCode()).isEqualTo(200);
    }
}
