package dev.nervesys.bootstrap.cli;

import dev.nervesys.common.FleetQueries;
import dev.nervesys.orchestrator.OrchestratorStore;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.StatusDatabaseLocation;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nervesys fleet --postgres URL}: the latest heartbeat of every agent (docs/fleet.md), with
 * the agents silent for more than three intervals and those not on the newest revision marked.
 * Credentials from NERVESYS_POSTGRES_USER / NERVESYS_POSTGRES_PASSWORD, as for the agent.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Print the latest heartbeat of every agent from PostgreSQL (SILENT: no beat for 3 intervals; BEHIND: not on the newest revision; REVOKED: revoked at the orchestrator).")
public final class FleetCommand implements Callable<Integer> {

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = "jdbc:postgresql://host:5432/db (or postgresql://...); user and password from NERVESYS_POSTGRES_USER / NERVESYS_POSTGRES_PASSWORD")
    String url;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Properties p = new Properties();
        String user = System.getenv("NERVESYS_POSTGRES_USER");
        String password = System.getenv("NERVESYS_POSTGRES_PASSWORD");
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "10");
        String jdbc = StatusDatabaseLocation.jdbcUrl(url.trim());
        if (!jdbc.startsWith("jdbc:postgresql:")) {
            throw new ParameterException(spec.commandLine(), "--postgres: '" + url.trim().replaceFirst("\\?.*", "")
                    + "' is not a PostgreSQL URL; use jdbc:postgresql://host:5432/db or postgresql://host:5432/db");
        }
        List<Map<String, Object>> rows;
        java.util.Set<String> revoked;
        try (Connection c = DriverManager.getConnection(jdbc, p)) {
            rows = FleetQueries.fleet(c, java.time.Instant.now(), null);
            revoked = OrchestratorStore.revokedAgents(c);
        } catch (SQLException e) {
            String where = "PostgreSQL at " + ErrorLine.hostPort(jdbc);
            if (ErrorLine.unreachable(e)) {
                throw new CliErrors.Failure(CliErrors.FAILED, "cannot reach " + where + " (" + ErrorLine.connectReason(e)
                        + "); check --postgres and that the server runs", e);
            }
            throw new CliErrors.Failure(CliErrors.FAILED, where + ": " + ErrorLine.of(e), e);
        }
        out.print(table(rows, revoked));
        out.flush();
        return 0;
    }

    /** {@code revoked}: agents an orchestrator revoked (flag REVOKED). */
    static String table(List<Map<String, Object>> rows, java.util.Set<String> revoked) {
        String[] head = {"AGENT", "SERVER", "LAST BEAT", "STATUS", "REVISION", "ALERTS", "CPU%", "DISK%", "FLAGS"};
        List<String[]> lines = new ArrayList<>();
        lines.add(head);
        for (Map<String, Object> r : rows) {
            List<String> flags = new ArrayList<>();
            if (Boolean.TRUE.equals(r.get("stale"))) {
                flags.add("SILENT");
            }
            if (Boolean.FALSE.equals(r.get("on_newest"))) {
                flags.add("BEHIND");
            }
            if (revoked.contains(s(r.get("agent_id")))) {
                flags.add("REVOKED");
            }
            if (r.get("config_rejected_revision") != null) {
                flags.add("REJECTED " + shortRev(r.get("config_rejected_revision")));
            }
            lines.add(new String[] {s(r.get("agent_id")), s(r.get("server")), s(r.get("ts")), s(r.get("status")),
                    shortRev(r.get("config_revision")), s(r.get("open_alerts")), pct(r.get("cpu_percent")), pct(r.get("disk_percent")),
                    String.join(",", flags)});
        }
        int[] w = new int[head.length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                b.append(i == l.length - 1 ? l[i] : String.format("%-" + w[i] + "s  ", l[i]));
            }
            b.append(System.lineSeparator());
        }
        b.append(rows.size()).append(" agent(s)").append(System.lineSeparator());
        return b.toString();
    }

    private static String s(Object o) {
        return o == null ? "-" : o.toString();
    }

    private static String pct(Object o) {
        return o instanceof Number n ? String.format(java.util.Locale.ROOT, "%.1f", n.doubleValue()) : "-";
    }

    private static String shortRev(Object o) {
        String r = s(o);
        return r.length() > 12 ? r.substring(0, 12) : r;
    }
}
