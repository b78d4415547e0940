package dev.nervesys.ingest;

import dev.nervesys.common.HttpCredentials;
import dev.nervesys.common.HttpLimits;
import dev.nervesys.common.RequestDeadline;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.component.netty.ChannelHandlerFactory;

/**
 * The input limits of the ingest port (docs/security.md) that netty-http's options do not offer,
 * bean {@code ingestPortGuard}: every consumer of routes/ingest.camel.yaml names it in
 * {@code decoders}, so netty-http puts one handler per connection right after its HTTP decoder
 * (whose own {@code maxInitialLineLength} and {@code maxHeaderSize} come from {@link #maxUrlBytes()}
 * and {@link #maxHeaderBytes()}). That handler
 * <ul>
 * <li>answers a request line or headers over the limits with 414 or 431 (netty-http would hand the
 * failed decode on to the route),</li>
 * <li>installs a {@link RequestDeadline}: each request, and a kept-alive connection's next one,
 * must arrive whole within the body timeout, else 408 (slow clients, idle connections),</li>
 * <li>closes connections over {@code maxConnections} at once,</li>
 * <li>puts TLS in front of it all when {@code nervesys.ingest.tls.*} is set (netty-http's own SSL
 * options want a key store; these are PEM files),</li>
 * <li>takes the credentials (the {@code Authorization} header, the v1 {@code p} parameter) out of
 * each request before netty-http sees it, and leaves in their place the header
 * {@value #CREDENTIAL_HEADER} with a random one-time handle that {@link IngestService} redeems
 * with {@link #take}: netty-http logs whole requests at DEBUG, and no token may reach a log at any
 * level. A client's own {@value #CREDENTIAL_HEADER} is removed first.</li>
 * </ul>
 */
@ChannelHandler.Sharable
public final class IngestPortGuard extends ChannelHandlerAdapter implements ChannelHandlerFactory {

    /** The header that carries a request's credential handle from this guard to {@link IngestService}. */
    public static final String CREDENTIAL_HEADER = "X-Nervesys-Credential";

    /** What a request presented: the Authorization header and the {@code p} parameter, either may be null. */
    public record Credentials(String authorization, String password) {
        @Override
        public String toString() {
            return "Credentials[hidden]";
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final java.util.concurrent.ConcurrentHashMap<String, Credentials> vault = new java.util.concurrent.ConcurrentHashMap<>();
    private final HttpLimits limits;
    private final HttpLimits.Counters counters = new HttpLimits.Counters();
    private final AtomicInteger connections = new AtomicInteger();

    private final io.netty.handler.ssl.SslContext tls;

    public IngestPortGuard(HttpLimits limits) {
        this(limits, null);
    }

    /** @param tls HTTPS only with it (docs/security.md, "TLS"), or null for plain HTTP */
    public IngestPortGuard(HttpLimits limits, io.netty.handler.ssl.SslContext tls) {
        this.limits = limits;
        this.tls = tls;
    }

    /** netty-http's {@code maxInitialLineLength} (routes: {@code {{bean:ingestPortGuard.maxUrlBytes}}}). */
    public int maxUrlBytes() {
        return limits.maxUrlBytes();
    }

    /** netty-http's {@code maxHeaderSize} (routes: {@code {{bean:ingestPortGuard.maxHeaderBytes}}}). */
    public int maxHeaderBytes() {
        return limits.maxHeaderBytes();
    }

    /** Connections cut by the limits: too slow (408), too many, too large (414/431). */
    public HttpLimits.Counters counters() {
        return counters;
    }

    /** The credentials of the request with this handle, once; null for an unknown or used handle. */
    public Credentials take(String handle) {
        return handle == null ? null : vault.remove(handle);
    }

    /** Handles not redeemed yet (requests in flight; a closed connection's are dropped). */
    int pendingCredentials() {
        return vault.size();
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new PerConnection();
    }


    private final class PerConnection extends ChannelDuplexHandler {
        private RequestDeadline deadline;
        private boolean counted;
        private final java.util.List<String> handles = new java.util.ArrayList<>();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (limits.maxConnections() > 0 && connections.get() >= limits.maxConnections()) {
                counters.refusedConnections.incrementAndGet();
                ctx.channel().close();
                return;
            }
            connections.incrementAndGet();
            counted = true;
            ctx.channel().closeFuture().addListener(f -> {
                connections.decrementAndGet();
                synchronized (handles) {
                    handles.forEach(vault::remove);
                }
            });
            deadline = new RequestDeadline(limits.bodyTimeoutMillis(), counters.timedOut);
            ChannelPipeline p = ctx.pipeline();
            if (tls != null && p.get("ssl") == null) {
                // added while the pipeline is built, before a byte is read: the whole connection is TLS
                p.addFirst("ssl", tls.newHandler(ctx.alloc()));
            }
            if (p.get("ssl") != null) {
                p.addAfter("ssl", RequestDeadline.NAME, deadline);
            } else {
                p.addFirst(RequestDeadline.NAME, deadline);
            }
            // the aggregator is added after this handler; the marker goes behind it once the pipeline is complete
            ctx.channel().eventLoop().execute(() -> {
                if (p.get("aggregator") != null && p.get(RequestDeadline.MARKER) == null && ctx.channel().isActive()) {
                    p.addAfter("aggregator", RequestDeadline.MARKER, deadline.marker());
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (counted && msg instanceof HttpRequest req) {
                int status = HttpLimits.status(req.decoderResult());
                if (status != 0) {
                    ReferenceCountUtil.release(msg);
                    counters.tooLarge.incrementAndGet();
                    byte[] body = (HttpLimits.reason(status) + "\n").getBytes(StandardCharsets.UTF_8);
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                            Unpooled.wrappedBuffer(body));
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    // from the tail: the response encoder sits after this handler
                    ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                hideCredentials(req);
            }
            super.channelRead(ctx, msg);
        }

        private void hideCredentials(HttpRequest req) {
            req.headers().remove(CREDENTIAL_HEADER);
            String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            java.util.List<String> p = new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).parameters().get("p");
            String password = p == null || p.isEmpty() ? null : p.get(0);
            if (authorization == null && password == null) {
                return;
            }
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            String handle = java.util.HexFormat.of().formatHex(bytes);
            vault.put(handle, new Credentials(authorization, password));
            synchronized (handles) {
                handles.removeIf(h -> !vault.containsKey(h));
                handles.add(handle);
            }
            req.headers().remove(HttpHeaderNames.AUTHORIZATION);
            req.headers().set(CREDENTIAL_HEADER, handle);
            if (password != null) {
                req.setUri(HttpCredentials.withoutParameter(req.uri(), "p"));
            }
        }
    }
}
