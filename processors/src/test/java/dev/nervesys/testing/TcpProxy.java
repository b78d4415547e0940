package dev.nervesys.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a real server (PostgreSQL, ClickHouse), so that tests can make it
 * "unreachable" without stopping the server other tests share: {@link #stop} closes the listener
 * and every connection, as a stopped server does; {@link #start} listens again on the same port.
 * With {@link #loseAnswers} it forwards requests but closes the client's connection instead of
 * passing the answer to an HTTP INSERT on: the insert lands, its confirmation does not. With
 * {@link #holdInserts} an insert reaches the server late, after its client gave up on it.
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean loseAnswers;
    private final java.util.concurrent.atomic.AtomicInteger insertsToHold = new java.util.concurrent.atomic.AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(0);

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        start();
    }

    public int port() {
        return port;
    }

    public void loseAnswers(boolean lose) {
        this.loseAnswers = lose;
    }

    /**
     * Holds the next {@code n} INSERT requests as a buffering proxy or a stalled link does: their bytes
     * are read from the client (which sees them sent) and kept, and reach the server only at
     * {@link #releaseHeld()}, even when the client gave up and closed its connection meanwhile.
     * Everything else, later inserts included, passes straight through.
     */
    public void holdInserts(int n) {
        release = new java.util.concurrent.CountDownLatch(1);
        insertsToHold.set(n);
    }

    /** Delivers the held requests to the server; their answers go nowhere if their client left. */
    public void releaseHeld() {
        release.countDown();
    }

    public synchronized void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        server = s;
        Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                java.util.concurrent.atomic.AtomicBoolean insert = new java.util.concurrent.atomic.AtomicBoolean();
                pump(client, upstream, false, insert);
                pump(upstream, client, true, insert);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answers, java.util.concurrent.atomic.AtomicBoolean insert) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            java.util.concurrent.BlockingQueue<byte[]> kept = null;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!answers && kept == null && new String(buf, 0, Math.min(n, 200), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains("query=INSERT")) {
                        insert.set(true);
                        if (insertsToHold.getAndUpdate(k -> Math.max(0, k - 1)) > 0) {
                            // held: nothing of it reaches this server connection (left idle, so that the client
                            // waits for an answer as behind a stalled proxy); delivered later on a new one, since
                            // the server closes an idle connection after its keep-alive timeout
                            kept = new java.util.concurrent.LinkedBlockingQueue<>();
                            deliverOnRelease(kept);
                        }
                    }
                    if (kept != null) {
                        kept.add(java.util.Arrays.copyOf(buf, n));
                        continue;
                    }
                    if (answers && loseAnswers && insert.get()) {
                        from.close();
                        to.close();
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed
            } finally {
                if (kept != null) {
                    kept.add(END);
                }
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static final byte[] END = new byte[0];

    /**
     * Once the release comes, sends what a held connection kept (and what it still receives) to the
     * server on a connection of its own, and reads the answer, which has no one to go to.
     */
    private void deliverOnRelease(java.util.concurrent.BlockingQueue<byte[]> kept) {
        java.util.concurrent.CountDownLatch latch = release;
        Thread t = new Thread(() -> {
            try {
                latch.await();
                try (Socket server = new Socket(targetHost, targetPort)) {
                    sockets.add(server);
                    OutputStream out = server.getOutputStream();
                    for (byte[] b = kept.take(); b != END; b = kept.take()) {
                        out.write(b);
                        out.flush();
                    }
                    server.setSoTimeout(30_000);
                    server.getInputStream().read(new byte[65536]); // the answer comes once the insert is done
                }
            } catch (IOException | InterruptedException e) {
                // the proxy stopped
            }
        }, "tcp-proxy-release");
        t.setDaemon(true);
        t.start();
    }

    public synchronized void stop() {
        closeQuietly(server);
        sockets.forEach(TcpProxy::closeQuietly);
        sockets.clear();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        stop();
    }
}
