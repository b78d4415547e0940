package dev.nervesys.webconsole;

import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.common.StatusDatabasePool;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import dev.nervesys.spi.Dialect;
import dev.nervesys.spi.StatusDatabase;
import dev.nervesys.spi.RunCatalog;
import dev.nervesys.spi.StatusDatabaseLocation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The web console's beans (docs/console.md): {@code webconsole} (the HTTP side, which
 * routes/webconsole.camel.yaml calls). It reads the fleet's PostgreSQL (the status database of
 * {@code nervesys.postgres.url}) through the heartbeat's pool (spi {@link StatusDatabase}), which
 * connects at the first request, not here; without the heartbeat's beans it makes one of its own
 * the same way ({@code webconsoleDataSource}). With no PostgreSQL configured the console still serves its pages and answers the API with
 * 503 saying so. Users come from NERVESYS_WEBCONSOLE_USERS; a bad entry stops the start.
 */
public final class ConsoleBeans implements BeanProvider {

    /** After the heartbeat, whose pool on the status database ({@link StatusDatabase#dataSource()}) the console shares. */
    @Override
    public int order() {
        return INDEPENDENT;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s) {
        return beans(s, Map.of());
    }

    /** The runs pages read runs through the runs capability's {@link RunCatalog}, an earlier bean (order {@link #RUNS}). */
    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) {
        ConsoleSettings cs = ConsoleSettings.from(s);
        UserDirectory users = UserDirectory.parse(cs.users());
        StatusDatabaseLocation where = StatusDatabaseLocation.of(s);
        Map<String, Object> beans = new LinkedHashMap<>();
        ConsoleDatabase db = null;
        if (where.dialect() == Dialect.POSTGRES) {
            StatusDatabase status = BeanProvider.ofType(earlier, StatusDatabase.class);
            DataSource ds;
            if (status != null && status.dialect() == Dialect.POSTGRES) {
                ds = status.dataSource(); // the heartbeat's pool: one pool per process on the fleet's database
            } else {
                // without the heartbeat's beans (tests, embedders): a pool of our own, made the same way
                HikariDataSource own = StatusDatabasePool.open(s, where, "nervesys-webconsole", 4, Duration.ofSeconds(5),
                        Duration.ofSeconds(30));
                beans.put("webconsoleDataSource", own);
                ds = own;
            }
            db = new ConsoleDatabase(ds);
        }
        Sessions sessions = new Sessions(cs.sessionIdle(), s.clock());
        // the reports capability's folder (its setting nervesys.reports.localDir, read by name)
        String reportsDir = s.get("nervesys.reports.localDir", "").trim();
        ReportFiles reports = new ReportFiles(reportsDir.isEmpty() ? s.dataDir().resolve("reports") : java.nio.file.Path.of(reportsDir));
        ConsolePages pages = new ConsolePages(db, users, sessions, reports, s.clock(), cs.hashCost());
        beans.put("webconsole", new ConsoleHttp(sessions,
                new LoginGuard(cs.lockoutFailures(), cs.lockoutDuration(), s.clock()),
                db, "the console reads the fleet's PostgreSQL: set nervesys.postgres.url (docs/console.md)",
                cs.secureCookie(), s.clock(), modules(s), pages)
                .runs(new ConsoleRuns(BeanProvider.ofType(earlier, RunCatalog.class), db, liveUrl(s, cs), s.clock())));
        return beans;
    }

    /**
     * The live view's WebSocket that the run pages use for live runs: {@code nervesys.webconsole.liveUrl}, else
     * the live port of this agent ({@code nervesys.live.host}:{@code nervesys.live.port}, read by name) when
     * it binds one address; null ({@code off}, or a wildcard host) and the pages poll the console instead.
     */
    static String liveUrl(AgentSettings s, ConsoleSettings cs) {
        String url = cs.liveUrl().strip();
        if (url.equals("off")) {
            return null;
        }
        if (!url.isEmpty()) {
            return url;
        }
        String host = s.get("nervesys.live.host", "127.0.0.1").strip();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return null;
        }
        return "ws://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + s.get("nervesys.live.port", "8087").strip() + "/";
    }

    /** The config repo's module switches (keys of the bootstrap's settings, read by name), or null without a repo. */
    private static ModuleSwitches modules(AgentSettings s) {
        String repo = s.get("nervesys.config.repo", "").trim();
        return repo.isEmpty() ? null : new ModuleSwitches(repo, s.get("nervesys.config.branch", "main"),
                s.dataDir().resolve("webconsole").resolve("config-work"), s.get("nervesys.config.gitUser", "x-access-token"),
                s.secret("NERVESYS_GIT_TOKEN").orElse(null));
    }
}
