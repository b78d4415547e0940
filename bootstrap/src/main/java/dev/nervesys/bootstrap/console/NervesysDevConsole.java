package dev.nervesys.bootstrap.console;

import dev.nervesys.bootstrap.reload.RouteApplier;
import dev.nervesys.bootstrap.reload.SyncState;
import dev.nervesys.bootstrap.revision.Revision;
import dev.nervesys.spi.StatusReporter;
import org.apache.camel.ServiceStatus;
import org.apache.camel.support.console.AbstractDevConsole;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code nervesys} dev console ({@code /q/dev/nervesys}): who this agent is, which config
 * revision runs, the last rejected one and why, the route modules and their state, and the
 * figures of each capability. Never shows setting values or secrets.
 */
public final class NervesysDevConsole extends AbstractDevConsole {

    private final String agentId;
    private final String server;
    private final String version;
    private final Instant started = Instant.now();
    private final SyncState state;
    private final RouteApplier applier;
    private final List<StatusReporter> reporters;

    public NervesysDevConsole(String agentId, String server, String version, SyncState state, RouteApplier applier,
                              List<StatusReporter> reporters) {
        super("nervesys", "nervesys", "Nervesys", "Nervesys agent: config revision, modules and capabilities");
        this.agentId = agentId;
        this.server = server;
        this.version = version;
        this.state = state;
        this.applier = applier;
        this.reporters = List.copyOf(reporters);
    }

    @Override
    protected Map<String, Object> doCallJson(Map<String, Object> options) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("agentId", agentId);
        root.put("server", server);
        root.put("version", version);
        root.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
        root.put("config", state.toMap());
        root.put("modules", modules());
        for (StatusReporter r : reporters) {
            try {
                root.put(r.statusName(), r.status());
            } catch (RuntimeException e) {
                root.put(r.statusName(), Map.of("error", String.valueOf(e.getMessage())));
            }
        }
        return root;
    }

    private List<Map<String, Object>> modules() {
        Map<String, List<String>> ids = applier.routeIdsByFile();
        List<Map<String, Object>> out = new ArrayList<>();
        state.modules().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("module", Revision.moduleName(e.getKey()));
            m.put("file", e.getKey());
            m.put("enabled", e.getValue());
            List<Map<String, Object>> routes = new ArrayList<>();
            for (String id : ids.getOrDefault(e.getKey(), List.of())) {
                ServiceStatus status = getCamelContext().getRouteController().getRouteStatus(id);
                routes.add(Map.of("id", id, "state", status == null ? "Removed" : status.name()));
            }
            m.put("routes", routes);
            out.add(m);
        });
        return out;
    }

    @Override
    protected String doCallText(Map<String, Object> options) {
        Map<String, Object> json = doCallJson(options);
        StringBuilder sb = new StringBuilder();
        sb.append("Agent: ").append(agentId).append(" on ").append(server).append(" (nervesys ").append(version)
                .append(", up ").append(json.get("uptimeSeconds")).append(" s)\n");
        Map<String, Object> config = state.toMap();
        sb.append("Config source: ").append(config.get("source")).append('\n');
        sb.append("Applied revision: ").append(config.getOrDefault("appliedRevision", "none"));
        if (config.get("appliedMessage") != null) {
            sb.append(" - ").append(config.get("appliedMessage"));
        }
        sb.append('\n');
        sb.append("Last sync: ").append(config.getOrDefault("lastSync", "never")).append('\n');
        if (config.get("syncError") != null) {
            sb.append("Sync error: ").append(config.get("syncError")).append('\n');
        }
        if (config.get("rejectedRevision") != null) {
            sb.append("Rejected revision: ").append(config.get("rejectedRevision")).append(" - ")
                    .append(config.get("rejectedMessage")).append('\n');
            sb.append("  ").append(String.valueOf(config.get("rejectedError")).replace("\n", "\n  ")).append('\n');
        }
        if (config.get("restartNeededFor") != null) {
            sb.append("Restart needed for changed settings: ").append(config.get("restartNeededFor")).append('\n');
        }
        sb.append("Modules:\n");
        for (Map<String, Object> m : modules()) {
            sb.append(String.format("  %-16s %-4s %s%n", m.get("module"), Boolean.TRUE.equals(m.get("enabled")) ? "on" : "off",
                    m.get("routes")));
        }
        for (StatusReporter r : reporters) {
            sb.append(r.statusName()).append(": ").append(json.get(r.statusName())).append('\n');
        }
        return sb.toString();
    }
}
