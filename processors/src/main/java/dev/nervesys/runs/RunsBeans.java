package dev.nervesys.runs;

import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.RunTracker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Beans of runs (docs/runs.md): {@code runs} (the registry, {@link Runs}) and {@code runsApi}
 * (served by the live server next to its UI), and {@code runCatalog} ({@link RunCatalogQueries}: the same
 * queries for the web console's runs pages). Both query ClickHouse through the shipper's
 * {@code clickhouseClient} when shipping is on; the shipper tells the registry which runs it
 * shipped ({@link RunTracker.Feed}), the live view which runs it saw.
 */
public final class RunsBeans implements BeanProvider {

    @Override
    public int order() {
        return RUNS;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        ClickHouseClient client = BeanProvider.ofType(earlier, ClickHouseClient.class);
        Runs runs = new Runs(client, RunsSettings.from(s).idleTimeout(), s.clock(), s.agentId());
        RunTracker.Feed shipped = BeanProvider.ofType(earlier, RunTracker.Feed.class);
        if (shipped != null) {
            shipped.onRunsSeen(runs::seen);
        }
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("runs", runs);
        beans.put("runsApi", new RunsApi(runs, client == null ? null : new RunExport(client)));
        beans.put("runCatalog", new RunCatalogQueries(runs, client)); // the web console's runs pages

        return beans;
    }
}
