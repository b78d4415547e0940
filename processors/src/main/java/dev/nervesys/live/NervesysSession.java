package dev.nervesys.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nervesys.common.SeriesGlob;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The agent's own protocol ({@code nervesys.live.v1}, JSON text frames; docs/live.md):
 * {@code subscribe} to a run and series patterns with a rate, get the recent tail, then live data.
 */
final class NervesysSession extends LiveSession {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One subscription: a run, series patterns, a rate; the points collected since the last flush. */
    private static final class Sub {
        final String id;
        final String run;
        final List<Pattern> patterns = new ArrayList<>();
        final Downsampler sampler;
        final Map<Integer, Boolean> matches = new HashMap<>();
        final Map<Integer, Points> pending = new LinkedHashMap<>();
        /** Points of this flush period were not collected: the client could not take them. */
        boolean missed;

        Sub(String id, String run, int rate) {
            this.id = id;
            this.run = run;
            this.sampler = new Downsampler(rate);
        }

        boolean wants(LiveRing.RunRing run, int series) {
            return matches.computeIfAbsent(series, s -> {
                String name = run.series.get(s);
                return patterns.stream().anyMatch(p -> p.matcher(name).matches());
            });
        }
    }

    /** Columns of one series: frames, times (epoch ms), values. */
    /**
     * Pending points of one series as JSON array bodies, written directly: ten clients of 60 series
     * at 1 kHz are 600,000 points a second, and a tree of boxed nodes per point cost the hub thread
     * most of its time.
     */
    private static final class Points {
        final StringBuilder f = new StringBuilder(256);
        final StringBuilder t = new StringBuilder(512);
        final StringBuilder v = new StringBuilder(256);

        void add(long frame, long timeNanos, double value) {
            if (f.length() > 0) {
                f.append(',');
                t.append(',');
                v.append(',');
            }
            f.append(frame);
            millis(t, timeNanos);
            if (value == (long) value && Math.abs(value) < 1e15) {
                v.append((long) value);
            } else if (Double.isFinite(value)) {
                v.append(value);
            } else {
                v.append("null");
            }
        }

        /** Epoch milliseconds with the sub-millisecond part as decimals, without a double. */
        static void millis(StringBuilder b, long nanos) {
            long ms = Math.floorDiv(nanos, 1_000_000L);
            long rem = Math.floorMod(nanos, 1_000_000L);
            b.append(ms);
            if (rem != 0) {
                String d = Long.toString(1_000_000L + rem).substring(1);
                int end = d.length();
                while (d.charAt(end - 1) == '0') {
                    end--;
                }
                b.append('.').append(d, 0, end);
            }
        }
    }

    private static final com.fasterxml.jackson.core.io.JsonStringEncoder QUOTE = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();

    private static void string(StringBuilder b, String s) {
        b.append('"');
        QUOTE.quoteAsString(s, b);
        b.append('"');
    }

    private final LiveSettings cfg;
    private final LiveRing ring;
    private final Map<String, Sub> subs = new LinkedHashMap<>();

    NervesysSession(Channel channel, SendBudget budget, LiveSettings cfg, LiveRing ring) {
        super(channel, budget);
        this.cfg = cfg;
        this.ring = ring;
    }

    @Override
    void command(LiveHub hub, String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (Exception e) {
            sendText(JSON.createObjectNode().put("type", "error").put("error", "not JSON").toString());
            return;
        }
        String op = msg.path("op").asText();
        switch (op) {
            case "runs" -> sendText(JSON.createObjectNode().put("type", "runs").set("runs", hub.runsJson()).toString());
            case "series" -> {
                LiveRing.RunRing run = hub.ring().find(msg.path("run").asText());
                ArrayNode names = JSON.createArrayNode();
                if (run != null) {
                    run.series.stream().sorted().forEach(names::add);
                }
                ObjectNode out = JSON.createObjectNode().put("type", "series").put("run", msg.path("run").asText());
                out.set("series", names);
                sendText(out.toString());
            }
            case "subscribe" -> subscribe(hub, msg);
            case "unsubscribe" -> subs.remove(msg.path("id").asText("0"));
            default -> sendText(JSON.createObjectNode().put("type", "error").put("error", "unknown op '" + op + "'").toString());
        }
        flushChannel();
    }

    private void subscribe(LiveHub hub, JsonNode msg) {
        String id = msg.path("id").asText("0");
        int rate = Math.max(1, Math.min(cfg.maxRate(), msg.path("rate").asInt(cfg.defaultRate())));
        Sub sub = new Sub(id, msg.path("run").asText(), rate);
        JsonNode series = msg.path("series");
        if (series.isArray()) {
            series.forEach(s -> sub.patterns.add(Pattern.compile(SeriesGlob.toRegex(s.asText()))));
        } else {
            sub.patterns.add(Pattern.compile(SeriesGlob.toRegex(series.asText("*"))));
        }
        subs.put(id, sub);
        int tail = Math.max(0, Math.min(cfg.tailRecords(), msg.path("tail").asInt(cfg.tailRecords())));
        LiveRing.RunRing run = hub.ring().find(sub.run);
        if (run != null && tail > 0) {
            int skip = Math.max(0, run.records.size() - tail);
            Iterator<LiveRing.Rec> it = run.records.iterator();
            for (int i = 0; i < skip; i++) {
                it.next();
            }
            while (it.hasNext()) {
                collect(sub, run, it.next());
            }
        }
        send(sub, true); // the tail (possibly empty) always comes first
    }

    @Override
    void record(LiveRing.RunRing run, LiveRing.Rec rec) {
        if (subs.isEmpty()) {
            return;
        }
        boolean writable = writable();
        for (Sub sub : subs.values()) {
            if (sub.run.equals(run.id)) {
                if (writable) {
                    collect(sub, run, rec);
                } else {
                    sub.missed = true; // nothing collected for a client that cannot take it
                }
            }
        }
    }

    private void collect(Sub sub, LiveRing.RunRing run, LiveRing.Rec rec) {
        for (int i = 0; i < rec.series().length; i++) {
            int s = rec.series()[i];
            if (sub.wants(run, s) && sub.sampler.pass(s, rec.timeNanos())) {
                sub.pending.computeIfAbsent(s, k -> new Points()).add(rec.frame(), rec.timeNanos(), rec.values()[i]);
            }
        }
    }

    /** One data frame per subscription with points; a period with points it could not take counts one dropped frame. */
    @Override
    void flush() {
        boolean any = false;
        boolean writable = writable();
        for (Sub sub : subs.values()) {
            if (!writable) {
                if (sub.missed || !sub.pending.isEmpty()) {
                    droppedFrames++; // not even built
                }
                sub.pending.clear();
            } else {
                if (sub.missed) {
                    droppedFrames++;
                }
                if (!sub.pending.isEmpty()) {
                    send(sub, false);
                    any = true;
                }
            }
            sub.missed = false;
        }
        if (any) {
            flushChannel();
        }
    }

    private void send(Sub sub, boolean tail) {
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"type\":\"data\",\"id\":");
        string(b, sub.id);
        b.append(",\"run\":");
        string(b, sub.run);
        b.append(",\"tail\":").append(tail).append(",\"series\":{");
        boolean first = true;
        for (Map.Entry<Integer, Points> e : sub.pending.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            string(b, seriesName(sub, e.getKey()));
            Points p = e.getValue();
            b.append(":{\"f\":[").append(p.f).append("],\"t\":[").append(p.t).append("],\"v\":[").append(p.v).append("]}");
        }
        b.append("},\"dropped\":").append(droppedFrames).append('}');
        sub.pending.clear();
        sendText(b.toString());
    }

    private String seriesName(Sub sub, int s) {
        LiveRing.RunRing run = ring.find(sub.run);
        return run != null && s < run.series.size() ? run.series.get(s) : String.valueOf(s);
    }
}
