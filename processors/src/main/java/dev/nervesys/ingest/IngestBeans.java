package dev.nervesys.ingest;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.Map;

/**
 * Ingest's beans (docs/ingest.md): {@code ingest}, which routes/ingest.camel.yaml calls and which
 * commits to the buffer, and {@code ingestPortGuard}, the port's input limits
 * (docs/security.md). The classifier and the live view hook into it later through
 * {@link dev.nervesys.spi.IngestHooks.Pipeline}.
 */
public final class IngestBeans implements BeanProvider {

    @Override
    public int order() {
        return INGEST;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        RecordBuffer buffer = BeanProvider.ofType(earlier, RecordBuffer.class);
        if (buffer == null) {
            throw new IllegalStateException("ingest needs the record buffer (BufferBeans)");
        }
        IngestSettings in = IngestSettings.from(s);
        IngestPortGuard guard = new IngestPortGuard(IngestSettings.limits(s), IngestSettings.tls(s));
        return Map.of("ingest", new IngestService(buffer, in.tokens(), in.rateLimit(), in.rateBurst(), in.maxBodyBytes(),
                s.clock(), guard), "ingestPortGuard", guard);
    }
}
