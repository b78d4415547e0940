package dev.nervesys.buffer;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The buffer's beans (docs/buffer.md): {@code recordBuffer} and {@code dataPathHealth}. First of
 * all providers: ingest writes to the buffer and the archiver and the ClickHouse shipper consume it,
 * and the buffer, created first, is closed last.
 */
public final class BufferBeans implements BeanProvider {

    @Override
    public int order() {
        return BUFFER;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s) throws Exception {
        Path file = s.find("nervesys.buffer.file").map(Path::of).orElse(s.dataDir().resolve("buffer").resolve("buffer.db"));
        RecordBuffer buffer = RecordBuffer.open(file,
                s.getBytes("nervesys.buffer.maxBytes", 100L << 20),
                WhenFull.parse(s.get("nervesys.buffer.whenFull", "reject")),
                s.getDuration("nervesys.buffer.retryAfter", Duration.ofSeconds(10)).toSeconds(),
                s.get("nervesys.buffer.compression", "zstd"),
                s.getInt("nervesys.buffer.compressionLevel", 1));
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("recordBuffer", buffer);
        beans.put("dataPathHealth", new DataPathHealthCheck(buffer, s.dataDir()));
        return beans;
    }
}
