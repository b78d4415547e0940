package dev.nervesys.bootstrap.cli;

import dev.nervesys.orchestrator.OrchestratorStore;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.StatusDatabaseLocation;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.sql.SQLException;
import java.time.Clock;

/**
 * The {@code --postgres} option of the orchestrator's commands ({@code token}, {@code agents}): the
 * orchestrators' database, credentials from NERVESYS_POSTGRES_USER / NERVESYS_POSTGRES_PASSWORD.
 */
final class OrchestratorDatabase {

    @Option(names = "--postgres", paramLabel = "URL", defaultValue = "${env:NERVESYS_POSTGRES_URL}",
            description = "the orchestrators' PostgreSQL: jdbc:postgresql://host:5432/db or postgresql://host:5432/db "
                    + "(default: NERVESYS_POSTGRES_URL)")
    String url;

    OrchestratorStore open(CommandSpec spec) {
        if (url == null || url.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--postgres: missing; give the orchestrators' database "
                    + "(jdbc:postgresql://host:5432/db) or set NERVESYS_POSTGRES_URL");
        }
        String jdbc = StatusDatabaseLocation.jdbcUrl(url.trim());
        if (!jdbc.startsWith("jdbc:postgresql:")) {
            throw new ParameterException(spec.commandLine(), "--postgres: '" + url.trim().replaceFirst("\\?.*", "")
                    + "' is not a PostgreSQL URL; use jdbc:postgresql://host:5432/db or postgresql://host:5432/db");
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbc);
        ds.setConnectTimeout(10);
        String user = System.getenv("NERVESYS_POSTGRES_USER");
        String password = System.getenv("NERVESYS_POSTGRES_PASSWORD");
        if (user != null) {
            ds.setUser(user);
        }
        if (password != null) {
            ds.setPassword(password);
        }
        return new OrchestratorStore(ds, Clock.systemUTC());
    }

    /** A query of a {@code list} command. */
    interface Rows {
        java.util.List<java.util.Map<String, Object>> get() throws Exception;
    }

    /** Runs a list command's query and prints its rows as a table; a database failure is the command's one line. */
    int printTable(CommandSpec spec, Rows query) {
        java.util.List<java.util.Map<String, Object>> rows;
        try {
            rows = query.get();
        } catch (Exception e) {
            throw failure(e);
        }
        spec.commandLine().getOut().print(Tables.of(rows));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A database failure as the command's one line. */
    CliErrors.Failure failure(Exception e) {
        String where = "PostgreSQL at " + ErrorLine.hostPort(StatusDatabaseLocation.jdbcUrl(url.trim()));
        Throwable sql = e;
        while (sql != null && !(sql instanceof SQLException)) {
            sql = sql.getCause();
        }
        if (sql instanceof SQLException s && ErrorLine.unreachable(s)) {
            return new CliErrors.Failure(CliErrors.FAILED, "cannot reach " + where + " (" + ErrorLine.connectReason(s)
                    + "); check --postgres and that the server runs", e);
        }
        return new CliErrors.Failure(CliErrors.FAILED, where + ": " + ErrorLine.of(e), e);
    }
}
