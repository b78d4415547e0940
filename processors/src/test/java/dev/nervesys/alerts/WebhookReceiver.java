package dev.nervesys.alerts;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real HTTP server receiving webhooks: answers the queued statuses in turn, then 200. */
public final class WebhookReceiver implements AutoCloseable {

    public final List<String> bodies = new CopyOnWriteArrayList<>();
    public final List<Integer> answered = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Integer> statuses = new LinkedBlockingQueue<>();
    private final HttpServer server;
    private volatile CountDownLatch hold;

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Integer status = statuses.poll();
            int s = status == null ? 200 : status;
            bodies.add(new String(body, StandardCharsets.UTF_8));
            answered.add(s);
            ex.sendResponseHeaders(s, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    public WebhookReceiver answer(int... codes) {
        for (int c : codes) {
            statuses.add(c);
        }
        return this;
    }

    /** Requests wait until {@link #release} (a hung receiver). */
    public void hold() {
        hold = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
