package dev.nervesys.runs;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.clickhouse.ClickHouseClient;
import dev.nervesys.clickhouse.ClickHouseHealthCheck;
import dev.nervesys.clickhouse.ClickHouseSettings;
import dev.nervesys.clickhouse.ClickHouseShipper;
import dev.nervesys.clickhouse.DeadLetters;
import dev.nervesys.ingest.IngestService;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import dev.nervesys.live.LiveSettings;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Beans of runs, the ClickHouse shipper and the live view (docs/clickhouse.md, runs.md, live.md):
 * {@code clickhouseShipper}, {@code clickhouseHealth}, {@code runs}, {@code runsApi},
 * {@code liveHub}, {@code liveServer} (and {@code clickhouseDeadLetters} when shipping is on).
 * One provider because the three share the run registry and the ClickHouse client; it runs after
 * the data path to consume the buffer and listen to ingest.
 */
public final class RunsBeans implements BeanProvider {

    @Override
    public int order() {
        return 30;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        RecordBuffer buffer = (RecordBuffer) earlier.get("recordBuffer");
        IngestService ingest = (IngestService) earlier.get("ingest");
        ClickHouseSettings chs = ClickHouseSettings.from(s);
        Map<String, Object> beans = new LinkedHashMap<>();
        ClickHouseClient client = null;
        DeadLetters deadLetters = null;
        if (chs.enabled()) {
            client = new ClickHouseClient(chs.url(), chs.database(), chs.user(), chs.password(), chs.timeout());
            deadLetters = new DeadLetters(chs.deadLetterFile());
            beans.put("clickhouseDeadLetters", deadLetters);
        }
        ClickHouseShipper shipper = new ClickHouseShipper(buffer, chs, client, deadLetters,
                s.getBytes("nervesys.clickhouse.maxBatchBytes", 16L << 20), s.clock());
        RunRegistry runs = new RunRegistry(client, s.getDuration("nervesys.runs.idleTimeout", Duration.ofMinutes(5)));
        shipper.onRunsSeen(runs::seen);
        LiveSettings live = LiveSettings.from(s);
        LiveHub hub = new LiveHub(live, runs, "nervesys " + s.agentId());
        if (ingest != null) {
            ingest.addListener(hub);
        }
        beans.put("clickhouseShipper", shipper);
        beans.put("clickhouseHealth", new ClickHouseHealthCheck(shipper, s.clock()));
        beans.put("runs", runs);
        RunsApi api = new RunsApi(runs, client == null ? null : new RunExport(client));
        beans.put("runsApi", api);
        beans.put("liveHub", hub);
        beans.put("liveServer", new LiveServer(hub, live, api)); // the runs API next to the UI, not on the ingest port
        return beans;
    }
}
