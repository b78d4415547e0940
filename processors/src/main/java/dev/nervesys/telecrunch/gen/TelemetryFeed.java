package dev.nervesys.telecrunch.gen;

import dev.nervesys.spi.StatusReporter;
import dev.nervesys.telecrunch.codec.NdjsonWriter;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.schema.Schema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The generator as a Camel bean for routes/generator.camel.yaml: each call of {@link #nextBatch()}
 * continues the simulation and returns the next records as NDJSON. The simulated clock starts at
 * the real time of the first call and advances by the schema interval per record, so a timer
 * that asks for (period / interval) records per source keeps it near real time.
 */
public final class TelemetryFeed implements StatusReporter {

    private final Schema schema;
    private final int batch;
    private final GeneratorConfig cfg;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong anomalies = new AtomicLong();
    private List<SourceSimulator> sims;
    private RecordBlock block;

    public TelemetryFeed(Schema schema, int sources, int batch, long seed, double anomalyRate, String runId) {
        this.schema = schema;
        this.batch = batch;
        GeneratorConfig d = GeneratorConfig.defaults(schema, 0);
        this.cfg = new GeneratorConfig(schema, 0, sources, 1, seed, 0, anomalyRate, true, batch, runId,
                0, d.intervalNanos(), d.jitterNanos(), d.eventRate());
    }

    /** The next {@code batch} records (over all sources) as NDJSON lines. */
    public synchronized String nextBatch() throws IOException {
        if (sims == null) {
            long now = System.currentTimeMillis() * 1_000_000L;
            sims = new ArrayList<>();
            for (int s = 0; s < cfg.sources(); s++) {
                sims.add(new SourceSimulator(schema, s, cfg.seed(), now, cfg));
            }
            block = new RecordBlock(schema, batch);
            block.runId(cfg.runId());
        }
        block.clear();
        for (SourceSimulator sim : sims) {
            block.sourceIndex(sim.name);
        }
        List<Anomaly> log = new ArrayList<>();
        while (!block.isFull()) {
            for (int k = 0; k < sims.size() && !block.isFull(); k++) {
                sims.get(k).emit(block, k, log);
            }
        }
        records.addAndGet(block.size());
        anomalies.addAndGet(log.size());
        ByteArrayOutputStream out = new ByteArrayOutputStream(batch * 400);
        NdjsonWriter w = new NdjsonWriter(out);
        w.write(block);
        w.flush();
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String statusName() {
        return "generator";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", schema.toString());
        m.put("records", records.get());
        m.put("anomalies", anomalies.get());
        return m;
    }
}
