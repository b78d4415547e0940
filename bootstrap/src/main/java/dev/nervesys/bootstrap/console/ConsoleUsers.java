package dev.nervesys.bootstrap.console;

import dev.nervesys.spi.AgentSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The users of the management server, each with a {@link Role}. They come from the environment
 * variable {@code NERVESYS_CONSOLE_USERS} ({@code alice:secret:admin,bob:other}; the role is
 * optional and defaults to {@code viewer}; it holds passwords, so it is a secret and never a file
 * in the repo) and are kept in memory only, as SHA-256 digests of the passwords: nothing is written
 * to disk (earlier versions wrote a Vert.x properties file under the state directory;
 * {@link #fromSettings} deletes that file if it is still there).
 *
 * <p>A password may contain {@code :}: only a last {@code :viewer}, {@code :operator} or
 * {@code :admin} is read as the role, so {@code user:pass:word} (the older format) stays a viewer
 * with the password {@code pass:word}.
 */
public final class ConsoleUsers {

    public static final String ENV = "NERVESYS_CONSOLE_USERS";

    /** The file earlier versions kept the users in, plain text; removed at start. */
    static final String LEGACY_FILE = "console-users.properties";

    private static final byte[] NO_USER = sha256("\u0000no such user\u0000");

    /**
     * What a management user may do (docs/security.md). Each role has the rights of the ones
     * before it.
     */
    public enum Role {
        /** Health details, metrics, Jolokia read/list/search/version and read-only dumps, dev consoles. */
        VIEWER,
        /** A viewer who may also trigger the agent's own actions (none is exposed on the management port yet). */
        OPERATOR,
        /** An operator who may also execute any Jolokia operation and write attributes, and read the JVM's arguments. */
        ADMIN;

        public boolean atLeast(Role other) {
            return compareTo(other) >= 0;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Role> of(String name) {
            for (Role r : values()) {
                if (r.id().equals(name)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    private record User(byte[] digest, Role role) {
    }

    private final Map<String, User> users;

    private ConsoleUsers(Map<String, User> users) {
        this.users = users;
    }

    /** The users of {@value #ENV} (none when it is unset); deletes the legacy plain-text file under {@code stateDir}. */
    public static ConsoleUsers fromSettings(AgentSettings settings, Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(LEGACY_FILE));
        return parse(settings.secret(ENV));
    }

    public static ConsoleUsers parse(Optional<String> users) {
        Map<String, User> parsed = new TreeMap<>();
        if (users.isPresent()) {
            for (String entry : users.get().split(",")) {
                String e = entry.strip();
                int colon = e.indexOf(':');
                if (colon <= 0 || colon == e.length() - 1) {
                    // never echo the entry: it holds a password
                    throw new IllegalArgumentException(ENV + " must be user:password[:role][,user:password[:role]...]"
                            + " with role viewer, operator or admin");
                }
                String password = e.substring(colon + 1);
                Role role = Role.VIEWER;
                int last = password.lastIndexOf(':');
                if (last > 0) {
                    Optional<Role> named = Role.of(password.substring(last + 1));
                    if (named.isPresent()) {
                        role = named.get();
                        password = password.substring(0, last);
                    }
                }
                parsed.put(e.substring(0, colon), new User(sha256(password), role));
            }
        }
        return new ConsoleUsers(Map.copyOf(parsed));
    }

    /** Whether any user is configured: then every management path but the bare health status needs one. */
    public boolean enabled() {
        return !users.isEmpty();
    }

    /** Whether the password is the user's; takes the same time for an unknown user. */
    public boolean check(String user, String password) {
        return authenticate(user, password).isPresent();
    }

    /** The user's role when the password is the user's; takes the same time for an unknown user. */
    public Optional<Role> authenticate(String user, String password) {
        User u = users.get(user);
        boolean equal = MessageDigest.isEqual(u == null ? NO_USER : u.digest(), sha256(password));
        return equal && u != null ? Optional.of(u.role()) : Optional.empty();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
