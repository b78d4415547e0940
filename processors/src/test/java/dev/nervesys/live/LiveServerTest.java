package dev.nervesys.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.spi.RecordKind;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The live server with real sockets: a client that never reads loses frames, nobody else waits. */
class LiveServerTest {

    private static byte[] record(String run, long frame) {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            fields.append(i == 0 ? "" : ",").append("\"s").append(i).append("\":").append(frame * 0.25 + i);
        }
        return ("{\"run_id\":\"" + run + "\",\"source\":\"engine\",\"type\":\"update\",\"frame\":" + frame + ",\"time\":\""
                + Instant.parse("2025-12-10T12:00:00Z").plusMillis(frame) + "\",\"fields\":{" + fields + "}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aClientThatNeverReadsLosesFramesWhileIngestAndOtherClientsGoOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LiveSettings cfg = new LiveSettings("127.0.0.1", port, 200_000, 64L << 20, 4096, 1000, 1000, 0, 100, 20, 64 * 1024);
        LiveHub hub = new LiveHub(cfg, null, "test");
        LiveServer server = new LiveServer(hub, cfg);
        server.start();
        // reads the 101 answer, subscribes to every series at the highest rate, then never reads again
        try (Socket stuck = stalledSubscriber(port, "{\"op\":\"subscribe\",\"id\":\"x\",\"run\":\"r\",\"series\":[\"*\"],\"rate\":1000}")) {
            AtomicLong received = new AtomicLong();
            WebSocket ok = readingSubscriber(port, received);
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.status().get("clients").equals(2));

            long maxCallNanos = 0;
            for (int b = 0; b < 200; b++) {
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    bodies.add(record("r", b * 500L + i));
                }
                long t0 = System.nanoTime();
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
                maxCallNanos = Math.max(maxCallNanos, System.nanoTime() - t0);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> (long) hub.status().get("parsedRecords") == 100_000L);
            await().atMost(Duration.ofSeconds(30)).alias("dropped frames and data for the reading client").until(() -> {
                return hub.droppedFrames() > 0 && received.get() > 0;
            });
            assertThat(hub.droppedRecords()).isZero(); // the queue kept up: nothing lost to the live view itself
            assertThat(maxCallNanos).isLessThan(Duration.ofSeconds(1).toNanos()); // hand-off only, never waits on a client
            ok.abort();
        } finally {
            server.close();
        }
    }

    /** A raw WebSocket client with a 4 KB receive buffer that subscribes, then never reads again. */
    /** A client that reads everything, subscribed to series engine.s3 of run r: counts the frames carrying it. */
    private static WebSocket readingSubscriber(int port, AtomicLong received) {
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/live"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        if (data.toString().contains("\"engine.s3\"")) {
                            received.incrementAndGet();
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        ws.sendText("{\"op\":\"subscribe\",\"id\":\"y\",\"run\":\"r\",\"series\":[\"engine.s3\"],\"rate\":10}", true).join();
        return ws;
    }

    /** A client that subscribes, then never reads: its frames pile up in the server's buffers. */
    private static Socket stalledSubscriber(int port, String subscribe) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        OutputStream out = s.getOutputStream();
        out.write(("GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        byte[] sub = subscribe.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[2 + 4 + sub.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | sub.length);
        System.arraycopy(sub, 0, frame, 6, sub.length); // mask 0,0,0,0
        out.write(frame);
        out.flush();
        return s;
    }

    @Test
    void clientsThatStopReadingHoldNoMoreThanClientsBufferBytesTogetherAndReadersGoOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // one client may hold 4 MB unsent, all clients together 1 MB; a flush every millisecond keeps frames small
        LiveSettings cfg = new LiveSettings("127.0.0.1", port, 200_000, 64L << 20, 4096, 1000, 1000, 0, 100, 1,
                4 << 20, 64L << 20, 1L << 20, Long.MAX_VALUE);
        LiveHub hub = new LiveHub(cfg, null, "test");
        LiveServer server = new LiveServer(hub, cfg);
        server.start();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                stalled.add(stalledSubscriber(port, "{\"op\":\"subscribe\",\"id\":\"x\",\"run\":\"r\",\"series\":[\"*\"],\"rate\":100}"));
            }
            AtomicLong received = new AtomicLong();
            WebSocket ok = readingSubscriber(port, received);
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.status().get("clients").equals(9));

            // 400,000 records: about 20 MB of frames for each stalled client, far more than the kernel buffers take
            for (int b = 0; b < 800; b++) {
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    bodies.add(record("r", b * 500L + i));
                }
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> (long) hub.status().get("queuedRecords") == 0L
                    && (long) hub.status().get("parsedRecords") + hub.droppedRecords() == 400_000L);
            long readerBefore = received.get();
            // the stalled clients hold what they may; the reader still gets frames
            for (int b = 800; b < 900; b++) {
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    bodies.add(record("r", b * 500L + i));
                }
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
            }
            await().atMost(Duration.ofSeconds(30)).alias("the reader gets frames while 8 clients hold their share")
                    .until(() -> received.get() > readerBefore);
            assertThat(hub.droppedFrames()).isPositive();
            // 1 MB for all plus at most one small frame each; each one alone would have held up to 4 MB
            assertThat((long) hub.status().get("unsentClientBytesHighest")).isPositive().isLessThan(2L << 20);
            ok.abort();
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
            server.close();
        }
    }

    @Test
    void whileTheWorkerIsBehindTheQueueHoldsNoMoreRecordsOrBytesThanTheRing() throws Exception {
        // ring: at most 1,000 records and 600,000 bytes; the queue itself would take 1,024 batches
        LiveSettings cfg = new LiveSettings("127.0.0.1", 0, 1000, 600_000, 1024, 50, 1000, 100, 100, 50, 1 << 20);
        LiveHub hub = new LiveHub(cfg, null, "test");
        hub.start();
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            hub.submit(() -> { // the worker is busy: nothing leaves the queue
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(blocked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            for (int b = 0; b < 10; b++) { // 10 batches of 400 records of about 480 bytes
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    bodies.add(record("q", b * 400L + i));
                }
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
            }
            // 2 batches (800 records, about 390 KB) fit; the 3rd would pass 1,000 records
            assertThat(hub.status().get("queuedRecords")).isEqualTo(800L);
            assertThat(hub.droppedRecords()).isEqualTo(3200);
            assertThat(hub.status().get("droppedIngestBatches")).isEqualTo(8L);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> (long) hub.status().get("parsedRecords") == 800L);
            assertThat(hub.status().get("queuedRecords")).isEqualTo(0L);

            // bytes: batches of 200 records (about 96 KB each) against 600,000 bytes: 6 fit, the 7th does not
            LiveSettings small = new LiveSettings("127.0.0.1", 0, 1_000_000, 600_000, 1024, 50, 1000, 100, 100, 50, 1 << 20);
            LiveHub bytesHub = new LiveHub(small, null, "test");
            bytesHub.start();
            java.util.concurrent.CountDownLatch blocked2 = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release2 = new java.util.concurrent.CountDownLatch(1);
            try {
                bytesHub.submit(() -> {
                    blocked2.countDown();
                    try {
                        release2.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertThat(blocked2.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                long size = 0;
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    bodies.add(record("q", i));
                    size += bodies.get(i).length;
                }
                int fit = (int) (600_000 / size);
                for (int b = 0; b < fit + 3; b++) {
                    bytesHub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
                }
                assertThat(bytesHub.status().get("queuedRecords")).isEqualTo(200L * fit);
                assertThat(bytesHub.droppedRecords()).isEqualTo(600);
            } finally {
                release2.countDown();
                bytesHub.close();
            }
        } finally {
            release.countDown();
            hub.close();
        }
    }

    @Test
    void theQueueHoldsAtMostQueueBytesOfBodiesWhateverTheRingMayHold() throws Exception {
        // a 64 MB ring, a 100,000-byte hand-off budget: the queue is not a second ring on the heap
        LiveSettings cfg = new LiveSettings("127.0.0.1", 0, 500_000, 64L << 20, 1024, 50, 1000, 100, 100, 50, 1 << 20, 100_000,
                16L << 20, Long.MAX_VALUE);
        LiveHub hub = new LiveHub(cfg, null, "test");
        hub.start();
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            hub.submit(() -> { // the worker is busy: nothing leaves the queue
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(blocked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<byte[]> bodies = new ArrayList<>();
            long size = 0;
            for (int i = 0; i < 50; i++) { // 50 records of about 480 bytes: about 24 KB a batch
                bodies.add(record("q", i));
                size += bodies.get(i).length;
            }
            int fit = (int) (100_000 / size);
            assertThat(fit).isBetween(2, 10);
            for (int b = 0; b < 40; b++) {
                long t0 = System.nanoTime();
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
                assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(1).toNanos()); // never waits
            }
            assertThat(hub.status().get("queuedRecords")).isEqualTo(50L * fit);
            assertThat((long) hub.status().get("queuedBytes")).isEqualTo(size * fit).isLessThanOrEqualTo(100_000L);
            assertThat(hub.droppedRecords()).isEqualTo(50L * (40 - fit));
            assertThat(hub.status().get("droppedIngestBatches")).isEqualTo((long) (40 - fit));
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> (long) hub.status().get("parsedRecords") == 50L * fit);
            assertThat(hub.status().get("queuedBytes")).isEqualTo(0L);
        } finally {
            release.countDown();
            hub.close();
        }
    }

    @Test
    void batchesThatWaitedLongerThanMaxLagAreSkippedUnparsedAndCounted() throws Exception {
        AtomicLong now = new AtomicLong(); // the hub's clock, moved by hand
        LiveSettings cfg = new LiveSettings("127.0.0.1", 0, 500_000, 64L << 20, 1024, 50, 1000, 100, 100, 50, 1 << 20,
                8L << 20, 16L << 20, 2000);
        LiveHub hub = new LiveHub(cfg, null, "test", now::get);
        hub.start();
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            hub.submit(() -> { // the worker is busy while three batches arrive
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(blocked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            for (int b = 0; b < 3; b++) {
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    bodies.add(record("lag", b * 100L + i));
                }
                hub.committed(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
            }
            now.addAndGet(Duration.ofMillis(2001).toNanos()); // they have waited longer than 2 s
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> (long) hub.status().get("queuedRecords") == 0L);
            assertThat(hub.status().get("staleIngestRecords")).isEqualTo(300L);
            assertThat(hub.droppedRecords()).isEqualTo(300);
            assertThat(hub.status().get("parsedRecords")).isEqualTo(0L);
            // a batch within the lag is parsed
            List<byte[]> fresh = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fresh.add(record("lag", 300L + i));
            }
            hub.committed(Collections.nCopies(fresh.size(), RecordKind.TELEMETRY), fresh);
            now.addAndGet(Duration.ofMillis(2000).toNanos()); // exactly the lag: still fresh
            await().atMost(Duration.ofSeconds(10)).until(() -> (long) hub.status().get("parsedRecords") == 100L);
            assertThat(hub.status().get("staleIngestRecords")).isEqualTo(300L);
        } finally {
            release.countDown();
            hub.close();
        }
    }

    @Test
    void theDefaultBudgetsAreSmallAndTheQueueNeverPassesTheRing() {
        dev.nervesys.buffer.TestSettings s = new dev.nervesys.buffer.TestSettings(java.nio.file.Path.of("unused"));
        assertThat(LiveSettings.from(s).queueBytes()).isEqualTo(8L << 20);
        assertThat(LiveSettings.from(s).clientsBufferBytes()).isEqualTo(16L << 20);
        assertThat(LiveSettings.from(s).maxLagMillis()).isEqualTo(2000L);
        assertThat(LiveSettings.from(s.set("nervesys.live.queueBytes", "2MB")).queueBytes()).isEqualTo(2L << 20);
        assertThat(LiveSettings.from(s.set("nervesys.live.maxBytes", "1MB").set("nervesys.live.queueBytes", "16MB"))
                .queueBytes()).isEqualTo(1L << 20);
    }

    @Test
    void ringEvictsTheOldestRunFirst() {
        LiveRing ring = new LiveRing(10, 1 << 20);
        List<String> evicted = new ArrayList<>();
        ring.onRunEvicted(evicted::add);
        LiveRing.RunRing a = ring.run("a");
        for (int i = 0; i < 6; i++) {
            ring.add(a, new LiveRing.Rec(0, i, i, new int[] {0}, new double[] {i}));
        }
        LiveRing.RunRing b = ring.run("b");
        for (int i = 0; i < 8; i++) {
            ring.add(b, new LiveRing.Rec(0, i, i, new int[] {0}, new double[] {i}));
        }
        assertThat(ring.records()).isEqualTo(10);
        assertThat(a.records).extracting(LiveRing.Rec::frame).containsExactly(4L, 5L);
        assertThat(b.records).hasSize(8);
        for (int i = 8; i < 11; i++) {
            ring.add(b, new LiveRing.Rec(0, i, i, new int[] {0}, new double[] {i}));
        }
        assertThat(evicted).containsExactly("a");
        assertThat(ring.find("a")).isNull();
        assertThat(b.records.peekFirst().frame()).isEqualTo(1L);
        assertThat(ring.evictedRecords()).isEqualTo(7);
    }
}
