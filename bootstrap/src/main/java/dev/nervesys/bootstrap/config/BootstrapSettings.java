package dev.nervesys.bootstrap.config;

import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.BOOTSTRAP;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * The agent's own settings: identity, data dir, config repo, route modules (docs/configuration.md),
 * and those of the demo module, each declared once with its default.
 */
public final class BootstrapSettings {

    public static final Setting AGENT_ID = Setting.text(Settings.AGENT_ID, "", BEANS,
            "agent id, picks config/agents/<agent-id>.properties (empty = host name); taken from every layer but the overlay");
    public static final Setting SERVER = Setting.text(Settings.SERVER, "", BEANS,
            "server name in archive keys and heartbeats (empty = host name)");
    public static final Setting DATA_DIR = Setting.text(Settings.DATA_DIR, "./data", BOOTSTRAP,
            "checkouts, state, buffer, local archives; locked by the running agent (agent.lock)");
    public static final Setting CONFIG_REPO = Setting.text("nervesys.config.repo", "", BOOTSTRAP,
            "Git URL (https://, file://) or local path of the config repo; empty = ./routes and ./config of the working "
                    + "directory (or the jar's copy when there are none); https token: NERVESYS_GIT_TOKEN");
    public static final Setting CONFIG_BRANCH = Setting.text("nervesys.config.branch", "main", BOOTSTRAP,
            "branch followed");
    public static final Setting CONFIG_POLL_SECONDS = Setting.integer("nervesys.config.pollSeconds", "30", "seconds",
            BOOTSTRAP, "poll interval of the config repo (a name tools rely on, so a plain number of seconds)");
    public static final Setting CONFIG_POLL_JITTER = Setting.integer("nervesys.config.pollJitterPercent", "20", "percent",
            BOOTSTRAP, "each wait between two polls of the config repo is drawn at random within this share of pollSeconds "
                    + "either way (0 = exactly pollSeconds), so that a fleet does not fetch in step");
    public static final Setting CONFIG_GIT_USER = Setting.text("nervesys.config.gitUser", "x-access-token", BOOTSTRAP,
            "user name sent with NERVESYS_GIT_TOKEN (GitHub: x-access-token, GitLab: oauth2)");
    public static final Setting MODULES = Setting.flag("nervesys.modules.<name>", "true", ROUTES,
            "switches routes/<name>.camel.yaml on or off; modules are on by default");
    public static final Setting ALLOW_ANONYMOUS = Setting.text("nervesys.security.allowAnonymous", "", BEANS,
            "ports that may listen on a non-loopback address without authentication, a comma list of ingest, live, "
                    + "management, server (docs/security.md); empty = none: such a port refuses the start (exit code 5)");
    public static final Setting MANAGEMENT_BODY_TIMEOUT = Setting.duration("nervesys.management.bodyTimeout", "10s", BEANS,
            "a management request's body must arrive whole within this, else 408 and the connection is closed (slow "
                    + "clients, docs/security.md)");
    public static final Setting MANAGEMENT_TLS_CERT = Setting.text("nervesys.management.tls.cert", "", BEANS,
            "PEM certificate chain of the management server: set with tls.key to serve HTTPS only (docs/security.md)");
    public static final Setting MANAGEMENT_TLS_KEY = Setting.text("nervesys.management.tls.key", "", BEANS,
            "PEM PKCS#8 private key of the management server; its password, if any, in NERVESYS_MANAGEMENT_TLS_KEY_PASSWORD");
    public static final Setting CLI_ENABLED = Setting.text("nervesys.cli.enabled", "false", BEANS,
            "status files for `camel get` (Camel JBang) under ~/.camel, rewritten every second; one agent per process: true, "
                    + "false (its status task took a fifth of a core on an idle agent), or auto (on for an agent, off for an orchestrator)");
    public static final Setting DEMO_PERIOD = Setting.duration("nervesys.demo.period", "10s", ROUTES,
            "period of the demo module's log line (routes/demo.camel.yaml)").renamedFrom("nervesys.demo.periodMs", "ms");
    public static final Setting DEMO_MESSAGE = Setting.text("nervesys.demo.message", "hello from nervesys", ROUTES,
            "the demo module's log line");

    private BootstrapSettings() {
    }

    /** The declarations of the agent's own keys. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Agent";
        }

        @Override
        public String page() {
            return "configuration.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(AGENT_ID, SERVER, DATA_DIR, ALLOW_ANONYMOUS, CONFIG_REPO, CONFIG_BRANCH, CONFIG_POLL_SECONDS, CONFIG_POLL_JITTER, CONFIG_GIT_USER,
                    MODULES, MANAGEMENT_BODY_TIMEOUT, MANAGEMENT_TLS_CERT, MANAGEMENT_TLS_KEY, CLI_ENABLED, DEMO_PERIOD, DEMO_MESSAGE);
        }
    }
}
