package dev.nervesys.live;

import dev.nervesys.common.HttpLimits;
import dev.nervesys.common.RequestDeadline;
import dev.nervesys.spi.HttpApi;
import dev.nervesys.spi.HttpRoutes;
import dev.nervesys.spi.RequestTarget;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean {@code liveServer}: the live view's own Netty server on {@code nervesys.live.port} (8087):
 * WebSocket upgrades on any path (subprotocol {@code foxglove.websocket.v1} selects Foxglove, else
 * the agent's {@code nervesys.live.v1}), and the static UI ({@code /}, {@code /ui/*}, the chart
 * library from its WebJar under {@code /vendor/chartjs/*}). Its own server because the WebSocket
 * sessions need write-buffer water marks to drop frames for slow clients, which netty-http's
 * consumer does not expose. It also serves an {@link HttpApi} (the runs API, {@code /runs...}) on
 * worker threads of its own; streamed answers (the export) go out in chunks with at most two chunks
 * in flight, so memory stays bounded whatever the size of the export and however slowly the client
 * reads.
 *
 * <p>Its life follows routes, not a run-once step: {@link #view()} is the route policy of route
 * {@code live-server} (module {@code live}) and serves the UI and the WebSockets while that route
 * runs; {@link #api()} is the route policy of route {@code runs-tick} (module {@code runs}) and
 * serves the runs API while that one runs. The port is bound while either runs and released when
 * both stopped, so the runs API keeps its URLs with the live view off, and switching both modules
 * off closes the port. {@link #start()} serves everything at once (tests, benchmarks).
 *
 * <p>Every request passes one check first, in {@code HttpHandler.channelRead0} (docs/security.md):
 * the request line and headers within {@link HttpLimits} (414, 431), a safe path (400), then
 * {@link LiveAccess}: a token when {@code NERVESYS_LIVE_TOKENS} is set (401, 403) and the rate
 * limit per token (429). A connection must deliver its request within the body timeout (408,
 * {@link RequestDeadline}) and at most {@code maxConnections} are open at once.
 */
public final class LiveServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveServer.class);
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "json", "application/json", "png", "image/png");

    private final LiveHub hub;
    private final LiveSettings cfg;
    private final String chartBase;
    private final HttpApi api;
    private final LiveAccess access;
    private final HttpLimits limits;
    private final io.netty.handler.ssl.SslContext tls;
    private final HttpLimits.Counters counters = new HttpLimits.Counters();
    private final AtomicInteger connections = new AtomicInteger();
    private ThreadPoolExecutor apiWorkers;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel server;
    /** Routes running now that want the view (UI, WebSockets), and the runs API. */
    private final java.util.Set<org.apache.camel.Route> viewRoutes = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final java.util.Set<org.apache.camel.Route> apiRoutes = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private volatile boolean serveView;
    private volatile boolean serveApi;
    private final io.netty.channel.group.ChannelGroup sockets =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private final dev.nervesys.spi.RouteBinding view = new Binding(viewRoutes);
    private final dev.nervesys.spi.RouteBinding apiBinding = new Binding(apiRoutes);

    /** Chunk size of streamed answers; at most two are queued per connection. */
    static final int CHUNK_BYTES = 64 * 1024;
    /** Concurrent API requests (exports included); more are answered 503. */
    static final int MAX_API_REQUESTS = 8;

    public LiveServer(LiveHub hub, LiveSettings cfg) {
        this(hub, cfg, null);
    }

    /** @param api served under its paths next to the UI, or null */
    public LiveServer(LiveHub hub, LiveSettings cfg, HttpApi api) {
        this(hub, cfg, api, LiveAccess.open(), HttpLimits.NONE);
    }

    /** @param access tokens and rate limit; @param limits input limits of the port */
    public LiveServer(LiveHub hub, LiveSettings cfg, HttpApi api, LiveAccess access, HttpLimits limits) {
        this(hub, cfg, api, access, limits, null);
    }

    /** @param tls HTTPS and WSS only with it (docs/security.md, "TLS"), or null for plain HTTP */
    public LiveServer(LiveHub hub, LiveSettings cfg, HttpApi api, LiveAccess access, HttpLimits limits,
            io.netty.handler.ssl.SslContext tls) {
        this.tls = tls;
        this.hub = hub;
        this.cfg = cfg;
        this.api = api;
        this.access = access;
        this.limits = limits;
        this.chartBase = chartBase();
    }

    /** Connections cut by the input limits: too slow (408), too many, too large (414/431). */
    public HttpLimits.Counters counters() {
        return counters;
    }

    private static String chartBase() {
        try (InputStream in = LiveServer.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return "/META-INF/resources/webjars/chart.js/" + p.getProperty("version", "4.5.1") + "/dist/";
        } catch (IOException e) {
            return "/META-INF/resources/webjars/chart.js/4.5.1/dist/";
        }
    }

    /** Serves the UI, the WebSockets and the API at once, without routes (tests, benchmarks); idempotent. */
    public synchronized void start() throws InterruptedException {
        serveView = true;
        serveApi = api != null;
        hub.start();
        bind();
    }

    /** Route policy (bean {@code liveView}) of route {@code live-server}: the UI and WebSockets while it runs. */
    public dev.nervesys.spi.RouteBinding view() {
        return view;
    }

    /** Route policy (bean {@code runsApiHttp}) of route {@code runs-tick}: the runs API while it runs. */
    public dev.nervesys.spi.RouteBinding api() {
        return apiBinding;
    }

    private final class Binding extends dev.nervesys.spi.RouteBinding {
        private final java.util.Set<org.apache.camel.Route> routes;

        Binding(java.util.Set<org.apache.camel.Route> routes) {
            this.routes = routes;
        }

        @Override
        protected void routeStarted(org.apache.camel.Route route) throws Exception {
            synchronized (LiveServer.this) {
                routes.add(route);
                try {
                    follow();
                } catch (Exception | Error e) {
                    routes.remove(route);
                    throw e;
                }
            }
        }

        @Override
        protected void routeStopped(org.apache.camel.Route route) {
            synchronized (LiveServer.this) {
                if (routes.remove(route)) {
                    try {
                        follow();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    /** Serves what the running routes want; binds the port while anything is served, releases it when nothing is. */
    private synchronized void follow() throws InterruptedException {
        boolean wasView = serveView;
        serveView = !viewRoutes.isEmpty();
        serveApi = api != null && !apiRoutes.isEmpty();
        if (serveView) {
            hub.start();
        } else if (wasView) {
            sockets.close(); // clients see the close and may reconnect once the live view is back
            hub.close();
            LOG.info("live view off (route live-server stopped)");
        }
        if (serveView || serveApi) {
            bind();
        } else {
            unbind();
        }
    }

    private void bind() throws InterruptedException {
        if (server != null) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        apiWorkers = new ThreadPoolExecutor(0, MAX_API_REQUESTS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "nervesys-live-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup(2);
        try {
            server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(cfg.writeBufferBytes() / 2, cfg.writeBufferBytes()))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (limits.maxConnections() > 0 && connections.get() >= limits.maxConnections()) {
                                counters.refusedConnections.incrementAndGet();
                                ch.close();
                                return;
                            }
                            connections.incrementAndGet();
                            ch.closeFuture().addListener(f -> connections.decrementAndGet());
                            RequestDeadline deadline = new RequestDeadline(limits.bodyTimeoutMillis(), counters.timedOut);
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(RequestDeadline.NAME, deadline)
                                    .addLast(new HttpServerCodec(limits.maxUrlBytes(), limits.maxHeaderBytes(), 8192))
                                    .addLast(new HttpObjectAggregator(1 << 20))
                                    .addLast(RequestDeadline.MARKER, deadline.marker())
                                    .addLast(new HttpHandler());
                        }
                    })
                    .bind(new InetSocketAddress(cfg.host(), cfg.port())).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            unbind();
            throw e;
        }
        LOG.info("live server on " + (tls == null ? "http" : "https") + "://{}:{}/ (WebSocket: nervesys.live.v1, foxglove.websocket.v1; runs API)", cfg.host(), port());
    }

    private void unbind() {
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
            LOG.info("live server port {} closed: neither the live view nor the runs API runs", cfg.port());
        }
        if (apiWorkers != null) {
            apiWorkers.shutdownNow();
            apiWorkers = null;
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            boss = null;
            workers = null;
        }
    }

    /** API requests being answered now (streamed exports included). */
    public int activeApiRequests() {
        return apiWorkers == null ? 0 : apiWorkers.getActiveCount();
    }

    public int port() {
        return server == null ? cfg.port() : ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            // the one check of every request on this port: limits, well-formed target, path, token, rate
            // (docs/security.md, docs/live.md)
            int bad = HttpLimits.status(req.decoderResult());
            if (bad != 0) { // request line or headers Netty could not read, or too large
                counters.tooLarge.incrementAndGet();
                respond(ctx, req, HttpResponseStatus.valueOf(bad), "application/json",
                        HttpRoutes.error(bad, HttpLimits.reason(bad)).body());
                return;
            }
            try {
                RequestTarget.parse(req.uri());
            } catch (RequestTarget.Malformed e) {
                respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "application/json", HttpRoutes.error(400, e.getMessage()).body());
                return;
            }
            LiveAccess.Verdict verdict = access.check(req, System.nanoTime());
            if (verdict.status() != 0) {
                FullHttpResponse r = response(req, HttpResponseStatus.valueOf(verdict.status()), "text/plain",
                        (verdict.message() + "\n").getBytes(StandardCharsets.UTF_8));
                if (verdict.status() == 401) {
                    r.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nervesys live\"");
                    r.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"nervesys live\"");
                }
                if (verdict.retryAfter() > 0) {
                    r.headers().set(HttpHeaderNames.RETRY_AFTER, verdict.retryAfter());
                }
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            req.setUri(LiveAccess.withoutToken(req.uri()));
            RequestTarget target;
            try {
                target = RequestTarget.parse(req.uri());
            } catch (RequestTarget.Malformed e) {
                respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "application/json", HttpRoutes.error(400, e.getMessage()).body());
                return;
            }
            if (HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""))) {
                if (serveView) {
                    upgrade(ctx, req);
                } else {
                    respond(ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain",
                            "the live view is off (module live)".getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            String path = target.path();
            if (api != null && api.accepts(path)) {
                if (serveApi) {
                    api(ctx, req, target);
                } else {
                    respond(ctx, req, HttpResponseStatus.NOT_FOUND, "application/json",
                            "{\"error\":\"the runs API is off (module runs)\"}".getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            if (!serveView) {
                respond(ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain",
                        "the live view is off (module live)".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
                respond(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String resource;
            if (path.equals("/") || path.equals("/ui") || path.equals("/ui/")) {
                resource = "/nervesys-ui/index.html";
            } else if (path.startsWith("/ui/") && path.matches("/ui/[A-Za-z0-9_.-]+")) {
                resource = "/nervesys-ui/" + path.substring(4);
            } else if (path.matches("/vendor/chartjs/[A-Za-z0-9_.-]+")) {
                resource = chartBase + path.substring("/vendor/chartjs/".length());
            } else {
                resource = null;
            }
            byte[] body = null;
            if (resource != null) {
                try (InputStream in = LiveServer.class.getResourceAsStream(resource)) {
                    body = in == null ? null : in.readAllBytes();
                } catch (IOException e) {
                    body = null;
                }
            }
            if (body == null) {
                respond(ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String ext = resource.substring(resource.lastIndexOf('.') + 1);
            FullHttpResponse r = response(req, HttpResponseStatus.OK, TYPES.getOrDefault(ext, "application/octet-stream"), body);
            if (verdict.fromQuery()) {
                // the page's own requests (API, WebSocket) then carry the token without it in their URLs
                DefaultCookie cookie = new DefaultCookie(LiveAccess.COOKIE, verdict.token());
                cookie.setHttpOnly(true);
                cookie.setSecure(tls != null);
                cookie.setPath("/");
                cookie.setSameSite(io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite.Strict);
                r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie));
            }
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }

        /** The API runs on a worker thread: it may block on ClickHouse, the event loop must not. */
        private void api(ChannelHandlerContext ctx, FullHttpRequest req, RequestTarget target) {
            String method = req.method().name();
            byte[] body = ByteBufUtil.getBytes(req.content());
            Channel ch = ctx.channel();
            ThreadPoolExecutor pool = apiWorkers;
            try {
                if (pool == null) {
                    throw new RejectedExecutionException("server closing");
                }
                pool.execute(() -> answer(ch, handle(method, target, body)));
            } catch (RejectedExecutionException e) {
                respond(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                        "{\"error\":\"too many concurrent requests\"}".getBytes(StandardCharsets.UTF_8));
            }
        }

        /** Whatever the API does, the client gets an answer: an unexpected failure is a 500 without its details. */
        private HttpApi.Answer handle(String method, RequestTarget target, byte[] body) {
            try {
                HttpApi.Answer a = api.handle(method, target, body);
                if (a == null) {
                    throw new IllegalStateException("the API returned no answer");
                }
                return a;
            } catch (Exception | Error e) {
                LOG.error("API request {} {} failed", method, RequestTarget.printable(target.path()), e);
                return HttpRoutes.error(500, "internal error, logged by the agent");
            }
        }

        /** A failure in this handler (not the API's): answered 500 when the connection is still there, then closed. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                ctx.close(); // the client went away
                return;
            }
            LOG.error("live server request failed", cause);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    Unpooled.wrappedBuffer(HttpRoutes.error(500, "internal error, logged by the agent").body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
            String url = (tls == null ? "ws://" : "wss://") + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
            WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url,
                    FoxgloveSession.SUBPROTOCOL + ",nervesys.live.v1", false, 1 << 20).newHandshaker(req);
            if (hs == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            String requested = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
            Channel ch = ctx.channel();
            LiveSession session = requested.contains(FoxgloveSession.SUBPROTOCOL)
                    ? new FoxgloveSession(ch, hub, cfg.foxgloveRate())
                    : new NervesysSession(ch, hub.sendBudget(), cfg, hub.ring());
            hs.handshake(ch, req).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    RequestDeadline.remove(ch); // a WebSocket lives on: the request clock stops here
                    sockets.add(ch);
                    ch.pipeline().replace(HttpHandler.this, "ws", new FrameHandler(hs, session));
                    hub.connected(session);
                } else {
                    ch.close();
                }
            });
        }
    }

    private final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final WebSocketServerHandshaker hs;
        private final LiveSession session;

        FrameHandler(WebSocketServerHandshaker hs, LiveSession session) {
            this.hs = hs;
            this.session = session;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame t) {
                hub.message(session, t.text());
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                hs.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            hub.disconnected(session);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Sends an API answer and closes the connection (one request per connection on this port), also when sending fails. */
    private static void answer(Channel ch, HttpApi.Answer a) {
        try {
            send(ch, a);
        } catch (RuntimeException | Error e) {
            LOG.error("sending an API answer failed", e);
            ch.close();
        }
    }

    private static void send(Channel ch, HttpApi.Answer a) {
        if (a.stream() == null) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                    Unpooled.wrappedBuffer(a.body()));
            headers(r, a);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
            ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()));
        headers(r, a);
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ChannelFuture previous = ch.writeAndFlush(r);
        boolean complete = false;
        try (InputStream in = a.stream()) {
            while (true) {
                byte[] buf = new byte[CHUNK_BYTES];
                int n = in.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    complete = true;
                    break;
                }
                ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(buf, 0, n)));
                // bounded memory: wait until the chunk before this one left for the socket
                previous.awaitUninterruptibly();
                if (!previous.isSuccess()) {
                    break; // client gone: closing the stream cancels ClickHouse's query
                }
                previous = f;
            }
        } catch (IOException e) {
            LOG.warn("streamed answer failed: {}", e.toString());
        }
        if (complete) {
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close(); // no last chunk: the client sees a truncated answer, never a short one that looks whole
        }
    }

    private static void headers(HttpResponse r, HttpApi.Answer a) {
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        a.headers().forEach((k, v) -> r.headers().set(k, v));
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String type, byte[] body) {
        ctx.writeAndFlush(response(req, status, type, body)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(FullHttpRequest req, HttpResponseStatus status, String type, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                req.method() == HttpMethod.HEAD ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, req.method() == HttpMethod.HEAD ? 0 : body.length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    @Override
    public synchronized void close() {
        serveView = false;
        serveApi = false;
        sockets.close();
        unbind();
        hub.close();
    }
}
