package dev.nervesys.spi;

import static dev.nervesys.spi.Setting.ReadBy.BOOTSTRAP;

/**
 * What this process of nervesys.jar is: an {@code agent} (the default) or the fleet's
 * {@code orchestrator} (docs/orchestrator.md). The role decides which route modules are on when
 * {@code nervesys.modules.<name>} does not say: an agent runs every module but the
 * {@code orchestrator*} ones and the web console, an orchestrator only those, the web console
 * ({@value #CONSOLE}: the orchestrator serves it, docs/console.md), {@code errors} (the error
 * policies its routes name) and {@code alerts} (a halted rollout raises an alert). Read by the bootstrap (modules, exposed ports) and by the orchestrator's beans,
 * which exist only in that role.
 */
public final class Role {

    public static final String AGENT = "agent";
    public static final String ORCHESTRATOR = "orchestrator";
    /** The web console's module: on by default where the orchestrator runs, off on an agent. */
    public static final String CONSOLE = "webconsole";

    public static final Setting ROLE = Setting.text("nervesys.role", AGENT, BOOTSTRAP,
            "agent or orchestrator (`java -jar nervesys.jar orchestrator` sets it); decides which route modules are on "
                    + "by default (docs/orchestrator.md)");

    /**
     * Modules of an agent that an orchestrator runs too: {@code errors} (the error policies its routes
     * name) and {@code alerts} (a halted rollout is an alert, delivered through config/alerts.yaml's channels).
     */
    static final java.util.Set<String> ORCHESTRATOR_MODULES = java.util.Set.of("errors", "alerts", CONSOLE);

    private Role() {
    }

    /** True when these settings run the orchestrator; any other value than the two is refused. */
    public static boolean orchestrator(AgentSettings s) {
        String role = s.get(ROLE).trim();
        if (!role.equals(AGENT) && !role.equals(ORCHESTRATOR)) {
            throw new IllegalArgumentException(ROLE.key() + " must be " + AGENT + " or " + ORCHESTRATOR + ", not '" + role + "'");
        }
        return role.equals(ORCHESTRATOR);
    }

    /** Whether route module {@code module} (the file name without .camel.yaml) runs: its switch, else the role's default. */
    public static boolean moduleOn(AgentSettings s, String module) {
        boolean orchestratorModule = module.startsWith(ORCHESTRATOR);
        boolean byRole = orchestrator(s) ? orchestratorModule || ORCHESTRATOR_MODULES.contains(module)
                : !orchestratorModule && !module.equals(CONSOLE);
        return s.getBoolean("nervesys.modules." + module, byRole);
    }
}
