package dev.nervesys.common;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slow clients (slowloris) on a Netty HTTP port: a connection must deliver a whole request (line,
 * headers and body) within {@code timeout} of opening, or of the previous answer on a kept-alive
 * connection; otherwise it gets {@code 408 Request Timeout} and is closed. A client that sends one
 * byte per second, or opens a connection and sends nothing, holds it for at most the timeout.
 *
 * <p>Two handlers: this one first in the pipeline (it writes the 408 as raw bytes, below the HTTP
 * codec, whatever state the codec is in), and {@link #marker()} after the aggregator, which stops
 * the clock when a whole request arrived and starts it again when its answer was written.
 * {@link #remove(Channel)} stops it for good (a WebSocket after its handshake).
 */
public final class RequestDeadline extends ChannelInboundHandlerAdapter {

    public static final String NAME = "nervesys-request-deadline";
    public static final String MARKER = "nervesys-request-deadline-marker";

    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nContent-Length: 45\r\n"
            + "Connection: close\r\n\r\nrequest not received in time (docs/security.md)").getBytes(StandardCharsets.US_ASCII);

    private final long timeoutMillis;
    private final AtomicLong expired;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;

    /** @param expired counts the connections cut (shared by the port's handlers) */
    public RequestDeadline(long timeoutMillis, AtomicLong expired) {
        this.timeoutMillis = timeoutMillis;
        this.expired = expired;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm() {
        if (timeoutMillis <= 0 || ctx == null) {
            return;
        }
        disarm();
        timer = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (ctx.channel().isActive()) {
            expired.incrementAndGet();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Stops the clock of this channel for good (a WebSocket after its handshake). */
    public static void remove(Channel ch) {
        if (ch.pipeline().get(NAME) != null) {
            ch.pipeline().remove(NAME);
        }
        if (ch.pipeline().get(MARKER) != null) {
            ch.pipeline().remove(MARKER);
        }
    }

    /** The handler that goes after the HTTP aggregator: stops the clock on a whole request, restarts it after the answer. */
    public ChannelDuplexHandler marker() {
        return new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
                if (msg instanceof FullHttpRequest) {
                    disarm();
                }
                super.channelRead(c, msg);
            }

            @Override
            public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) throws Exception {
                if (msg instanceof LastHttpContent) {
                    promise = promise.unvoid();
                    promise.addListener(f -> {
                        if (f.isSuccess() && c.channel().isActive()) {
                            ctx.executor().execute(RequestDeadline.this::arm);
                        }
                    });
                }
                super.write(c, msg, promise);
            }
        };
    }
}
