package dev.nervesys.bootstrap.console;

import dev.nervesys.spi.AgentSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Basic auth for the management server. The users come from the environment variable
 * {@code NERVESYS_CONSOLE_USERS} ({@code alice:secret,bob:other}; it holds passwords, so it is a
 * secret and never a file in the repo). Camel's management server reads users from a Vert.x
 * properties file, which is written under the state directory, readable by the agent's user only.
 */
public final class ConsoleUsers {

    public static final String ENV = "NERVESYS_CONSOLE_USERS";

    private ConsoleUsers() {
    }

    public static void configure(AgentSettings settings, Path stateDir, Properties camelProperties) throws IOException {
        Path file = stateDir.resolve("console-users.properties");
        Optional<String> users = settings.secret(ENV);
        if (users.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        List<String> lines = new ArrayList<>();
        for (String entry : users.get().split(",")) {
            String e = entry.strip();
            int colon = e.indexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw new IllegalArgumentException(ENV + " must be user:password[,user:password...]");
            }
            lines.add("user." + e.substring(0, colon) + "=" + e.substring(colon + 1) + ",operator");
        }
        lines.add("role.operator=*");
        Files.createDirectories(stateDir);
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the data directory's own permissions apply
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        camelProperties.put("camel.management.authenticationEnabled", "true");
        camelProperties.put("camel.management.basicPropertiesFile", file.toString());
        camelProperties.putIfAbsent("camel.management.authenticationPath", "/*");
    }
}
