package dev.nervesys.clickhouse;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ClickHouse shipper's beans (docs/clickhouse.md): {@code clickhouseShipper},
 * {@code clickhouseHealth} and, when shipping is on ({@code nervesys.clickhouse.url} set),
 * {@code clickhouseClient} (which runs queries) and {@code clickhouseDeadLetters}. The shipper is a
 * consumer of the buffer, with its own cursor.
 */
public final class ClickHouseBeans implements BeanProvider {

    @Override
    public int order() {
        return CLICKHOUSE;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        RecordBuffer buffer = BeanProvider.ofType(earlier, RecordBuffer.class);
        ClickHouseSettings chs = ClickHouseSettings.from(s);
        Map<String, Object> beans = new LinkedHashMap<>();
        ClickHouseClient client = null;
        DeadLetters deadLetters = null;
        if (chs.enabled()) {
            client = new ClickHouseClient(chs.url(), chs.database(), chs.user(), chs.password(), chs.timeout());
            beans.put("clickhouseClient", client);
            deadLetters = new DeadLetters(chs.deadLetterFile());
            beans.put("clickhouseDeadLetters", deadLetters);
        }
        ClickHouseShipper shipper = new ClickHouseShipper(buffer, chs, client, deadLetters,
                s.getBytes(ClickHouseSettings.MAX_BATCH_BYTES), s.clock());
        beans.put("clickhouseShipper", shipper);
        beans.put("clickhouseHealth", new ClickHouseHealthCheck(shipper, s.clock()));
        return beans;
    }
}
