package dev.nervesys.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Foxglove WebSocket protocol ({@code foxglove.websocket.v1}, json encoding), so that Foxglove
 * Studio connects to an agent directly: one channel per run and source (topic
 * {@code /nervesys/<run>/<source>}), each message {@code {"frame":..,"timestamp":{"sec","nsec"},
 * <field>: value, ...}}, sent as binary messageData frames (opcode 1, subscription id, timestamp).
 */
final class FoxgloveSession extends LiveSession {

    static final String SUBPROTOCOL = "foxglove.websocket.v1";
    static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"frame\":{\"type\":\"integer\"},"
            + "\"timestamp\":{\"type\":\"object\",\"properties\":{\"sec\":{\"type\":\"integer\"},\"nsec\":{\"type\":\"integer\"}}}},"
            + "\"additionalProperties\":{\"type\":\"number\"}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A channel: one source of one run. */
    record FoxChannel(int id, String run, int source, String topic) {
    }

    private final int rate;
    private final Map<Integer, Integer> subscriptionToChannel = new HashMap<>();
    private final Map<Integer, Downsampler> samplers = new HashMap<>();
    private final Map<Integer, Integer> channelToSubscription = new HashMap<>();
    private final LiveHub hub;

    FoxgloveSession(Channel channel, LiveHub hub, int rate) {
        super(channel, hub.sendBudget());
        this.hub = hub;
        this.rate = rate;
    }

    void open(String serverName, Collection<FoxChannel> channels) {
        ObjectNode info = JSON.createObjectNode().put("op", "serverInfo").put("name", serverName);
        info.putArray("capabilities");
        info.putArray("supportedEncodings").add("json");
        info.putObject("metadata");
        info.put("sessionId", Long.toString(System.nanoTime()));
        sendText(info.toString());
        advertise(channels);
    }

    void advertise(Collection<FoxChannel> channels) {
        if (channels.isEmpty()) {
            return;
        }
        ObjectNode msg = JSON.createObjectNode().put("op", "advertise");
        ArrayNode list = msg.putArray("channels");
        for (FoxChannel c : channels) {
            list.addObject().put("id", c.id()).put("topic", c.topic()).put("encoding", "json")
                    .put("schemaName", "nervesys.Telemetry").put("schema", SCHEMA).put("schemaEncoding", "jsonschema");
        }
        sendText(msg.toString());
        flushChannel();
    }

    void unadvertise(List<Integer> channelIds) {
        ObjectNode msg = JSON.createObjectNode().put("op", "unadvertise");
        ArrayNode ids = msg.putArray("channelIds");
        channelIds.forEach(ids::add);
        channelIds.forEach(id -> {
            Integer sub = channelToSubscription.remove(id);
            if (sub != null) {
                subscriptionToChannel.remove(sub);
                samplers.remove(sub);
            }
        });
        sendText(msg.toString());
        flushChannel();
    }

    @Override
    void command(LiveHub hub, String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (Exception e) {
            return;
        }
        switch (msg.path("op").asText()) {
            case "subscribe" -> msg.path("subscriptions").forEach(s -> {
                int sub = s.path("id").asInt();
                int ch = s.path("channelId").asInt();
                subscriptionToChannel.put(sub, ch);
                channelToSubscription.put(ch, sub);
                samplers.put(sub, new Downsampler(rate));
            });
            case "unsubscribe" -> msg.path("subscriptionIds").forEach(s -> {
                Integer ch = subscriptionToChannel.remove(s.asInt());
                samplers.remove(s.asInt());
                if (ch != null) {
                    channelToSubscription.remove(ch);
                }
            });
            default -> {
                // other ops (getParameters, ...) are capabilities this server does not announce
            }
        }
    }

    @Override
    void record(LiveRing.RunRing run, LiveRing.Rec rec) {
        if (channelToSubscription.isEmpty()) {
            return;
        }
        FoxChannel c = hub.channel(run.id, rec.source());
        Integer sub = c == null ? null : channelToSubscription.get(c.id());
        if (sub == null || !samplers.get(sub).pass(0, rec.timeNanos())) {
            return;
        }
        if (!writable()) {
            droppedFrames++; // not even built
            return;
        }
        String prefix = run.sources.get(rec.source()) + ".";
        ObjectNode m = JSON.createObjectNode().put("frame", rec.frame());
        m.putObject("timestamp").put("sec", Math.floorDiv(rec.timeNanos(), 1_000_000_000L))
                .put("nsec", Math.floorMod(rec.timeNanos(), 1_000_000_000L));
        for (int i = 0; i < rec.series().length; i++) {
            String name = run.series.get(rec.series()[i]);
            m.put(name.startsWith(prefix) ? name.substring(prefix.length()) : name, rec.values()[i]);
        }
        byte[] payload = m.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 8 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).putInt(sub).putLong(rec.timeNanos()).put(payload);
        sendBinary(b.array());
    }

    @Override
    void flush() {
        flushChannel();
    }
}
