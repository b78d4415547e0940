package dev.nervesys.live;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebSocket client. Sends never wait: when the client's unsent bytes are above its share of
 * {@link SendBudget} (a client that reads slowly or not at all; a frame may always go when nothing
 * is unsent) or above its high-water mark, the frame is dropped and counted. Sessions ask
 * {@link #writable()} before they collect or build anything, so a slow client costs neither memory
 * nor the worker's time, only its own frames.
 */
abstract class LiveSession {

    final Channel channel;
    private final SendBudget budget;
    private final AtomicLong unsent = new AtomicLong();
    long sentFrames;
    long droppedFrames;

    LiveSession(Channel channel, SendBudget budget) {
        this.channel = channel;
        this.budget = budget;
    }

    /** Whether a frame may be sent now: the connection is open and below its mark and its share. */
    boolean writable() {
        return channel.isActive() && channel.isWritable() && unsent.get() < budget.share();
    }

    /** A record of a run arrived (hub worker thread). */
    abstract void record(LiveRing.RunRing run, LiveRing.Rec rec);

    /** Sends what was collected since the last flush (hub worker thread). */
    abstract void flush();

    /** A text message from the client (hub worker thread). */
    abstract void command(LiveHub hub, String text);

    boolean sendText(String text) {
        return send(new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))));
    }

    boolean sendBinary(byte[] bytes) {
        return send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    private boolean send(WebSocketFrame frame) {
        int size = frame.content().readableBytes();
        long mine = unsent.get();
        if (!channel.isActive() || !channel.isWritable() || mine > 0 && mine + size > budget.share()) {
            frame.release();
            droppedFrames++;
            return false;
        }
        unsent.addAndGet(size);
        budget.took(size);
        channel.write(frame).addListener(f -> {
            unsent.addAndGet(-size);
            budget.gave(size);
        });
        sentFrames++;
        return true;
    }

    void flushChannel() {
        if (channel.isActive()) {
            channel.flush();
        }
    }
}
