package dev.nervesys.spi;

import static dev.nervesys.spi.Setting.ReadBy.BOOTSTRAP;

/**
 * What this process of nervesys.jar is: an {@code agent} (the default) or the fleet's
 * {@code orchestrator} (docs/orchestrator.md). The role decides which route modules are on when
 * {@code nervesys.modules.<name>} does not say: an agent runs every module but the
 * {@code orchestrator*} ones and the web console, an orchestrator only those, the web console
 * ({@value #CONSOLE}: the orchestrator serves it, docs/console.md) and {@code errors} (the error
 * policies its routes name). Read by the bootstrap (modules, exposed ports) and by the orchestrator's beans,
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
        boolean byRole = orchestrator(s) ? orchestratorModule || module.equals("errors") || module.equals(CONSOLE)
                : !orchestratorModule && !module.equals(CONSOLE);
        return s.getBoolean("nervesys.modules." + module, byRole);
    }
}
