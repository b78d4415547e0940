package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.console.ConsoleUsers;
import dev.nervesys.live.LiveAccess;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Role;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Protected mode, the way Redis and Elasticsearch 8 do it: every port of an agent binds to
 * 127.0.0.1 unless the operator sets a host, and a port bound to any other address must either
 * have authentication on it or be named in {@value #ALLOW_ANONYMOUS} (a comma list of port names:
 * {@code ingest}, {@code live}, {@code management}, {@code server}). An agent that would expose a
 * port without either refuses to start; a config revision that would do so is rejected.
 * docs/security.md lists the ports and what authentication each has.
 */
public final class ExposedPorts {

    public static final String ALLOW_ANONYMOUS = "nervesys.security.allowAnonymous";

    /** The port names {@value #ALLOW_ANONYMOUS} accepts. */
    public static final Set<String> NAMES = Set.of("ingest", "live", "management", "server");

    private ExposedPorts() {
    }

    /**
     * One listening port as the settings configure it.
     *
     * @param credential what gives it authentication (an environment variable or setting), or null when it has none yet
     */
    public record Port(String name, String hostKey, String host, int port, boolean authenticated, String credential) {

        String where() {
            return name + " port " + host + ":" + port;
        }
    }

    /** The ports these settings open (a switched-off module or server opens none). */
    public static List<Port> ports(AgentSettings s) {
        List<Port> out = new ArrayList<>();
        if (Role.moduleOn(s, "ingest")) {
            boolean tokens = !s.secret("NERVESYS_INGEST_TOKENS").orElse(s.get("nervesys.ingest.tokens", "")).isBlank();
            out.add(new Port("ingest", "nervesys.ingest.host", s.get("nervesys.ingest.host", "127.0.0.1"),
                    s.getInt("nervesys.ingest.port", 8086), tokens, "NERVESYS_INGEST_TOKENS"));
        }
        if (Role.moduleOn(s, "live")) {
            out.add(new Port("live", "nervesys.live.host", s.get("nervesys.live.host", "127.0.0.1"),
                    s.getInt("nervesys.live.port", 8087), !s.secret(LiveAccess.ENV).orElse("").isBlank(), LiveAccess.ENV));
        }
        if (s.getBoolean("camel.management.enabled", false)) {
            out.add(new Port("management", "camel.management.host", s.get("camel.management.host", "127.0.0.1"),
                    s.getInt("camel.management.port", 9876), s.secret(ConsoleUsers.ENV).isPresent(),
                    ConsoleUsers.ENV));
        }
        if (Role.moduleOn(s, Role.CONSOLE)) {
            // every page and API call but the login needs a session: nobody gets in without a user
            out.add(new Port("webconsole", "nervesys.webconsole.host", s.get("nervesys.webconsole.host", "127.0.0.1"),
                    s.getInt("nervesys.webconsole.port", 8088), true, "NERVESYS_WEBCONSOLE_USERS"));
        }
        if (s.getBoolean("camel.server.enabled", false)) {
            out.add(new Port("server", "camel.server.host", s.get("camel.server.host", "0.0.0.0"),
                    s.getInt("camel.server.port", 8080), s.getBoolean("camel.server.authenticationEnabled", false),
                    "camel.server.authenticationEnabled"));
        }
        return out;
    }

    /**
     * Why these settings must not run, one sentence per exposed port, or an empty list.
     *
     * @throws IllegalArgumentException when {@value #ALLOW_ANONYMOUS} names an unknown port
     */
    public static List<String> refusals(AgentSettings s) {
        return exposed(s).stream().map(p -> p.where() + " is reachable from other machines without authentication ("
                + (p.credential() == null ? "it has none yet" : "set " + p.credential()) + ", bind it to 127.0.0.1 with "
                + p.hostKey() + ", or open it deliberately with " + ALLOW_ANONYMOUS + "=" + p.name() + ")").toList();
    }

    /**
     * Refuses the start with one line (short enough for {@code ErrorLine}'s 400 characters with
     * three ports) naming every exposed port and the three ways out.
     */
    public static void check(AgentSettings s) {
        List<Port> exposed = exposed(s);
        if (exposed.isEmpty()) {
            return;
        }
        List<String> credentials = exposed.stream().map(Port::credential).filter(c -> c != null).toList();
        boolean one = exposed.size() == 1;
        // several ports: shorter words, so that three fit in ErrorLine's 400 characters
        throw new Refused(String.join(", ", exposed.stream().map(Port::where).toList())
                + (one ? " is reachable from" : " are open to") + " other machines without authentication; "
                + (credentials.isEmpty() ? "" : "set " + String.join(", ", credentials) + ", ")
                + "bind to 127.0.0.1 with " + String.join(", ", exposed.stream().map(Port::hostKey).toList())
                + (one ? ", or open deliberately with " : ", or allow with ") + ALLOW_ANONYMOUS + "="
                + String.join(",", exposed.stream().map(Port::name).toList()) + " (docs/security.md)");
    }

    /** The ports open to other machines without authentication and not named in {@value #ALLOW_ANONYMOUS}. */
    static List<Port> exposed(AgentSettings s) {
        Set<String> allowed = allowAnonymous(s);
        List<Port> out = new ArrayList<>();
        for (Port p : ports(s)) {
            if (!(p.authenticated() || allowed.contains(p.name()) || isLoopback(p.host()))) {
                out.add(p);
            }
        }
        return out;
    }

    static Set<String> allowAnonymous(AgentSettings s) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : s.get(ALLOW_ANONYMOUS, "").split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException(ALLOW_ANONYMOUS + "=" + s.get(ALLOW_ANONYMOUS, "") + ": '" + part.trim()
                        + "' is not a port name; use a comma list of " + String.join(", ", new java.util.TreeSet<>(NAMES)));
            }
            out.add(name);
        }
        return out;
    }

    /**
     * Whether a bind host only accepts connections from this machine. The wildcard (0.0.0.0, ::,
     * empty) and any name that does not resolve count as open: in doubt, refuse.
     */
    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host.trim())) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The agent would expose a port without authentication; exit code {@code CliErrors.EXPOSED}. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }
}
