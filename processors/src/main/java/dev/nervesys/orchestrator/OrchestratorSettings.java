package dev.nervesys.orchestrator;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Role;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import dev.nervesys.spi.StatusDatabaseLocation;

import java.util.List;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

/**
 * Settings of the orchestrator role (docs/orchestrator.md), each declared once with its default.
 * Its state lives in the PostgreSQL of {@code nervesys.postgres.url} (the database of agent_status),
 * which the orchestrator requires. The upstream token comes from the environment only
 * ({@value #UPSTREAM_TOKEN_ENV}).
 *
 * @param upstream       the fleet's config repo the orchestrator mirrors and serves; empty = no fan-out
 * @param upstreamBranch the branch it mirrors (the only one agents see)
 * @param upstreamUser   user name sent with the upstream token
 */
public record OrchestratorSettings(String upstream, String upstreamBranch, String upstreamUser) {

    public static final String UPSTREAM_TOKEN_ENV = "NERVESYS_ORCHESTRATOR_UPSTREAM_TOKEN";

    public static final Setting HOST = Setting.text("nervesys.orchestrator.host", "127.0.0.1", ROUTES,
            "address of the orchestrator's HTTP port (enrollment, config fan-out); 0.0.0.0 to serve other machines");
    public static final Setting PORT = Setting.integer("nervesys.orchestrator.port", "8090", "port", ROUTES,
            "the orchestrator's HTTP port: /v1/enroll, /v1/refresh, /git/config (agents' Git fetches), the fleet API (/v1/agents, ...)");
    public static final String TLS_KEY_PASSWORD_ENV = "NERVESYS_ORCHESTRATOR_TLS_KEY_PASSWORD";
    public static final Setting TLS_CERT = Setting.text("nervesys.orchestrator.tls.cert", "", BEANS,
            "PEM certificate chain of the orchestrator's port: set with tls.key to serve HTTPS only with the operator's "
                    + "certificate (docs/orchestrator.md, TLS); wins over tls.selfSigned");
    public static final Setting TLS_KEY = Setting.text("nervesys.orchestrator.tls.key", "", BEANS,
            "PEM PKCS#8 private key of the orchestrator's port; its password, if any, in " + TLS_KEY_PASSWORD_ENV);
    public static final Setting TLS_SELF_SIGNED = Setting.flag("nervesys.orchestrator.tls.selfSigned", "false", BEANS,
            "serve HTTPS only with a self-signed certificate made at the first start and kept in PostgreSQL "
                    + "(orchestrator_tls), so every orchestrator on the database presents the same one; agents pin its "
                    + "SHA-256 fingerprint, which nervesys token create prints and puts in the token");
    public static final Setting UPSTREAM = Setting.text("nervesys.orchestrator.upstream", "", BEANS,
            "Git URL (https://, file://) or path of the fleet's config repo, mirrored once and served to enrolled agents; "
                    + "https token: " + UPSTREAM_TOKEN_ENV + "; empty = agents get no config from the orchestrator");
    public static final Setting UPSTREAM_BRANCH = Setting.text("nervesys.orchestrator.upstreamBranch", "main", BEANS,
            "branch mirrored and served (agents follow it)");
    public static final Setting UPSTREAM_USER = Setting.text("nervesys.orchestrator.upstreamUser", "x-access-token", BEANS,
            "user name sent with " + UPSTREAM_TOKEN_ENV + " (GitHub: x-access-token, GitLab: oauth2)");
    public static final Setting UPSTREAM_POLL = Setting.duration("nervesys.orchestrator.upstreamPoll", "30s", ROUTES,
            "how often the mirror checks upstream (a ref listing; a fetch only when the branch moved)");

    public static final Setting ROLLOUT_CANARY = Setting.text("nervesys.rollout.canary", "10%", BEANS,
            "canaries of a staged rollout: a percentage of the enrolled agents (by a hash of their ids) or agent ids, "
                    + "comma-separated; none = every commit goes to every agent at once");
    public static final Setting ROLLOUT_SOAK = Setting.duration("nervesys.rollout.soak", "5m", BEANS,
            "how long every canary must run a new commit healthy before it goes to everyone");
    public static final Setting ROLLOUT_CHECK_EVERY = Setting.duration("nervesys.rollout.checkEvery", "5s", ROUTES,
            "how often the running rollout is checked against the canaries' heartbeats (route orchestrator-rollout-check)");

    /** The declarations of {@code nervesys.orchestrator.*} and {@code nervesys.rollout.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Orchestrator";
        }

        @Override
        public String page() {
            return "orchestrator.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(Role.ROLE, HOST, PORT, TLS_CERT, TLS_KEY, TLS_SELF_SIGNED, UPSTREAM, UPSTREAM_BRANCH, UPSTREAM_USER, UPSTREAM_POLL, ROLLOUT_CANARY,
                    ROLLOUT_SOAK, ROLLOUT_CHECK_EVERY);
        }
    }

    public static OrchestratorSettings from(AgentSettings s) {
        return new OrchestratorSettings(s.get(UPSTREAM).trim(), s.get(UPSTREAM_BRANCH).trim(), s.get(UPSTREAM_USER).trim());
    }

    /** The orchestrator's database: PostgreSQL only (it is shared by every orchestrator behind a load balancer). */
    public static String jdbcUrl(AgentSettings s) {
        StatusDatabaseLocation db = StatusDatabaseLocation.of(s);
        if (db.dialect() != dev.nervesys.spi.Dialect.POSTGRES) {
            throw new IllegalArgumentException("the orchestrator keeps its state in PostgreSQL: set "
                    + StatusDatabaseLocation.POSTGRES_URL.key() + " (NERVESYS_POSTGRES_URL)");
        }
        return db.jdbcUrl();
    }
}
