package dev.nervesys.bootstrap.it.orchestrator;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.cli.NervesysCommand;
import dev.nervesys.bootstrap.it.ConfigRepo;
import dev.nervesys.bootstrap.it.TestAgents;
import dev.nervesys.heartbeat.PgDatabase;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/** Real orchestrators and agents for tests: one PostgreSQL database, each process with its own data dir and ports. */
public final class Orchestrators {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    private Orchestrators() {
    }

    /** The orchestrator's own config: its routes (copied from the project) and the group files given. */
    public static Path orchestratorConfig(Path dir, Map<String, String> groups) throws Exception {
        Path root = ConfigRepo.projectRoot();
        for (String route : new String[] {"routes/orchestrator.camel.yaml", "routes/errors.camel.yaml"}) {
            Path to = dir.resolve(route);
            Files.createDirectories(to.getParent());
            Files.copy(root.resolve(route), to);
        }
        for (Map.Entry<String, String> g : groups.entrySet()) {
            Path to = dir.resolve("config/groups/" + g.getKey() + ".properties");
            Files.createDirectories(to.getParent());
            Files.writeString(to, g.getValue());
        }
        return dir;
    }

    /** Starts an orchestrator on {@code port} with the database and the upstream config repo, and {@code flags} on top. */
    public static Agent start(String name, Path dataDir, Path config, int port, PgDatabase db, String upstream,
                       Map<String, String> environment, Map<String, String> flags) throws Exception {
        Properties p = TestAgents.flags(name, dataDir, config.toString(), TestAgents.freePort());
        p.setProperty("nervesys.role", "orchestrator");
        p.setProperty("nervesys.orchestrator.port", String.valueOf(port));
        p.setProperty("nervesys.orchestrator.upstream", upstream);
        p.setProperty("nervesys.orchestrator.upstreamPoll", "1s");
        p.setProperty("nervesys.postgres.url", db.url());
        p.setProperty("nervesys.rollout.checkEvery", "1s");
        flags.forEach(p::setProperty);
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.put("NERVESYS_POSTGRES_USER", PgDatabase.USER);
        return TestAgents.start(p, env);
    }

    /** JVM flags of an agent that knows nothing but its data dir, its host name and its management port. */
    static Properties agentFlags(String host, Path dataDir) throws Exception {
        Properties p = new Properties();
        p.setProperty("nervesys.dataDir", dataDir.toString());
        p.setProperty("nervesys.server", host);
        p.setProperty("nervesys.config.pollSeconds", "1");
        p.setProperty("camel.management.port", String.valueOf(TestAgents.freePort()));
        p.setProperty("camel.management.host", "127.0.0.1");
        p.setProperty("camel.main.name", "nervesys-" + host);
        p.setProperty("nervesys.cli.enabled", "false");
        return p;
    }

    /** Runs {@code nervesys args...}; returns exit code, stdout and stderr. */
    public static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NervesysCommand.commandLine(null, null, false);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    public record Result(int code, String out, String err) {
    }

    /** The database URL as the commands take it (credentials in the URL: the test server trusts local users). */
    public static String cliUrl(PgDatabase db) {
        return db.url() + "?user=" + PgDatabase.USER;
    }

    public static String createToken(PgDatabase db, String group, int uses) {
        Result r = cli("token", "create", "--group", group, "--uses", String.valueOf(uses), "--ttl", "1h", "--postgres", cliUrl(db));
        if (r.code() != 0) {
            throw new IllegalStateException("token create failed: " + r.err());
        }
        return r.out().strip();
    }

    static HttpResponse<String> post(int port, String path, String body, String basicAuth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (basicAuth != null) {
            b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(basicAuth.getBytes()));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
