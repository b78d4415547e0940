package dev.nervesys.live;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket client. Sends never wait: when the client's socket buffer is above its high-water
 * mark (a client that reads slowly or not at all) the frame is dropped and counted, so a slow
 * client costs nothing but its own frames.
 */
abstract class LiveSession {

    final Channel channel;
    long sentFrames;
    long droppedFrames;

    LiveSession(Channel channel) {
        this.channel = channel;
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
        if (!channel.isActive() || !channel.isWritable()) {
            frame.release();
            droppedFrames++;
            return false;
        }
        channel.write(frame);
        sentFrames++;
        return true;
    }

    void flushChannel() {
        if (channel.isActive()) {
            channel.flush();
        }
    }
}
