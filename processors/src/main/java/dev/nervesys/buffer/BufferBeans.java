package dev.nervesys.buffer;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
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
        RecordBuffer buffer = BufferSettings.from(s).open();
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("recordBuffer", buffer);
        beans.put("dataPathHealth", new DataPathHealthCheck(buffer, s.dataDir()));
        return beans;
    }
}
