package dev.nervesys.bootstrap.console;

import dev.nervesys.spi.AgentSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The users of the management server. They come from the environment variable
 * {@code NERVESYS_CONSOLE_USERS} ({@code alice:secret,bob:other}; it holds passwords, so it is a
 * secret and never a file in the repo) and are kept in memory only, as SHA-256 digests of the
 * passwords: nothing is written to disk (earlier versions wrote a Vert.x properties file under
 * the state directory; {@link #fromSettings} deletes that file if it is still there).
 */
public final class ConsoleUsers {

    public static final String ENV = "NERVESYS_CONSOLE_USERS";

    /** The file earlier versions kept the users in, plain text; removed at start. */
    static final String LEGACY_FILE = "console-users.properties";

    private static final byte[] NO_USER = sha256("\u0000no such user\u0000");

    private final Map<String, byte[]> digests;

    private ConsoleUsers(Map<String, byte[]> digests) {
        this.digests = digests;
    }

    /** The users of {@value #ENV} (none when it is unset); deletes the legacy plain-text file under {@code stateDir}. */
    public static ConsoleUsers fromSettings(AgentSettings settings, Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(LEGACY_FILE));
        return parse(settings.secret(ENV));
    }

    static ConsoleUsers parse(Optional<String> users) {
        Map<String, byte[]> digests = new TreeMap<>();
        if (users.isPresent()) {
            for (String entry : users.get().split(",")) {
                String e = entry.strip();
                int colon = e.indexOf(':');
                if (colon <= 0 || colon == e.length() - 1) {
                    throw new IllegalArgumentException(ENV + " must be user:password[,user:password...]");
                }
                digests.put(e.substring(0, colon), sha256(e.substring(colon + 1)));
            }
        }
        return new ConsoleUsers(Map.copyOf(digests));
    }

    /** Whether any user is configured: then every management path but the bare health status needs one. */
    public boolean enabled() {
        return !digests.isEmpty();
    }

    /** Whether the password is the user's; takes the same time for an unknown user. */
    public boolean check(String user, String password) {
        byte[] expected = digests.getOrDefault(user, NO_USER);
        boolean equal = MessageDigest.isEqual(expected, sha256(password));
        return equal && digests.containsKey(user);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
