package dev.nervesys.live;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.HttpApi;
import dev.nervesys.spi.IngestHooks;
import dev.nervesys.spi.RunTracker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The live view's beans (docs/live.md): {@code liveHub}, a listener of ingest's committed batches
 * that tells the run registry which runs it saw, and {@code liveServer}, which also serves the
 * runs API (bean {@code runsApi}) next to the UI rather than on the ingest port.
 */
public final class LiveBeans implements BeanProvider {

    @Override
    public int order() {
        return LIVE;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        LiveSettings live = LiveSettings.from(s);
        LiveHub hub = new LiveHub(live, BeanProvider.ofType(earlier, RunTracker.class), "nervesys " + s.agentId(), s.clock());
        IngestHooks.Pipeline ingest = BeanProvider.ofType(earlier, IngestHooks.Pipeline.class);
        if (ingest != null) {
            ingest.addListener(hub);
        }
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("liveHub", hub);
        LiveServer server = new LiveServer(hub, live, BeanProvider.ofType(earlier, HttpApi.class), LiveSettings.access(s),
                LiveSettings.limits(s), LiveSettings.tls(s));
        beans.put("liveServer", server);
        beans.put("liveView", server.view()); // route policy of live-server: the UI and WebSockets
        beans.put("runsApiHttp", server.api()); // route policy of runs-tick: the runs API
        return beans;
    }
}
