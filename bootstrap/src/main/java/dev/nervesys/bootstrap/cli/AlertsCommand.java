package dev.nervesys.bootstrap.cli;

import dev.nervesys.alerts.Silence;
import dev.nervesys.alerts.SilenceStore;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.heartbeat.HeartbeatBeans;
import com.zaxxer.hikari.HikariDataSource;
import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.spi.Dialect;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.Sizes;
import dev.nervesys.spi.StatusDatabaseLocation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nervesys alerts silence|silences|expire} (docs/alerts.md, "Silences"): silences in table
 * alert_silence of the status database, where the alert history lives (the local SQLite file of
 * the agent, or the fleet's PostgreSQL: then a silence holds for every agent it matches). The
 * running agents read them within {@code nervesys.heartbeat.flushEvery}. Settings from ./config
 * (or the jar's), the environment and -D flags, as for {@code report}.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Silence alert groups, list and expire silences; see docs/alerts.md.",
        subcommands = {AlertsCommand.SilenceCmd.class, AlertsCommand.ListCmd.class, AlertsCommand.ExpireCmd.class})
public final class AlertsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    final SettingsResolver resolver;
    final Path workDir;

    public AlertsCommand() {
        this(null, null);
    }

    public AlertsCommand(SettingsResolver resolver, Path workDir) {
        this.resolver = resolver;
        this.workDir = workDir;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "give a subcommand: silence, silences or expire");
    }

    interface Work<T> {
        T with(SilenceStore store, Instant now) throws SQLException;
    }

    /** Opens the status database (schema migrated), runs the work, explains a failure in one line. */
    <T> T store(Work<T> work) throws Exception {
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        Path cwd = workDir != null ? workDir : Path.of("").toAbsolutePath();
        Settings settings = r.resolve(DirectorySource.looksLikeConfigRoot(cwd) ? new DirectorySource(cwd).latest()
                : new EmbeddedSource().latest());
        StatusDatabaseLocation where = StatusDatabaseLocation.of(settings);
        if (where.dialect() == Dialect.SQLITE && !Files.isRegularFile(where.sqliteFile())) {
            throw new CliErrors.Failure(CliErrors.FAILED, "no status database at " + where.sqliteFile()
                    + "; run it where the agent runs (its working directory, or -Dnervesys.dataDir=<the agent's data dir>),"
                    + " or set nervesys.postgres.url to the fleet's database");
        }
        try (HikariDataSource ds = HeartbeatBeans.dataSource(settings)) {
            Migrations.apply(ds, where.dialect());
            try (Connection c = ds.getConnection()) {
                return work.with(new SilenceStore(c), settings.clock().instant());
            }
        } catch (SQLException e) {
            String db = where.dialect() == Dialect.SQLITE ? where.sqliteFile().toString() : "PostgreSQL at " + ErrorLine.hostPort(where.jdbcUrl());
            if (ErrorLine.unreachable(e)) {
                throw new CliErrors.Failure(CliErrors.FAILED, "cannot reach " + db + " (" + ErrorLine.connectReason(e)
                        + "); check nervesys.postgres.url and that the database runs", e);
            }
            throw new CliErrors.Failure(CliErrors.FAILED, db + ": " + ErrorLine.of(e), e);
        }
    }

    static String line(Silence s) {
        return String.join("  ", s.id(), s.startsAt().toString(), s.endsAt().toString(),
                s.expiredAt() == null ? "active" : "expired " + s.expiredAt(), s.createdBy() == null ? "-" : s.createdBy(),
                s.matchersText(), s.comment() == null ? "" : s.comment());
    }

    @Command(name = "silence", mixinStandardHelpOptions = true,
            description = "Hold back the notifications of the alert groups whose labels match, for a while (recorded, not sent).")
    static final class SilenceCmd implements Callable<Integer> {
        @Option(names = "--match", required = true, paramLabel = "LABEL=VALUE",
                description = "a label of the group (its group_by labels, agent, server, alert_rule) and the value it must have; repeat for several")
        List<String> match;

        @Option(names = "--for", required = true, paramLabel = "DURATION", description = "how long, e.g. 30m, 2h, 1d")
        String duration;

        @Option(names = "--comment", description = "why (shown by `alerts silences`)")
        String comment;

        @Option(names = "--by", description = "who (default: the USER environment variable)")
        String by;

        @picocli.CommandLine.ParentCommand
        AlertsCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, String> matchers;
            Duration d;
            try {
                matchers = Silence.parseMatchers(match);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--match: " + e.getMessage());
            }
            try {
                d = Sizes.parseDuration(duration);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--for: " + e.getMessage());
            }
            if (d.isZero() || d.isNegative()) {
                throw new ParameterException(spec.commandLine(), "--for: must be positive, not '" + duration + "'");
            }
            String who = by != null ? by : System.getenv("USER");
            Silence s = parent.store((store, now) -> store.create(matchers, now, d, who, comment));
            PrintWriter out = spec.commandLine().getOut();
            out.println(s.id() + " silences " + s.matchersText() + " until " + s.endsAt());
            out.flush();
            return 0;
        }
    }

    @Command(name = "silences", mixinStandardHelpOptions = true, description = "List the silences in force (--all: also ended and expired ones).")
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--all", description = "also silences that ended or were expired")
        boolean all;

        @picocli.CommandLine.ParentCommand
        AlertsCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<Silence> list = parent.store((store, now) -> store.list(now, all));
            PrintWriter out = spec.commandLine().getOut();
            out.println("ID  STARTS  ENDS  STATE  BY  MATCHERS  COMMENT");
            list.forEach(s -> out.println(line(s)));
            out.flush();
            return 0;
        }
    }

    @Command(name = "expire", mixinStandardHelpOptions = true, description = "End a silence now: the groups it held back notify at the agents' next check.")
    static final class ExpireCmd implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the silence's id (from `alerts silences`)")
        String id;

        @picocli.CommandLine.ParentCommand
        AlertsCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            boolean done = parent.store((store, now) -> store.expire(id, now));
            if (!done) {
                throw new CliErrors.Failure(CliErrors.NOT_FOUND, "no silence " + id + " in force; see `nervesys alerts silences --all`");
            }
            spec.commandLine().getOut().println("expired " + id);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
