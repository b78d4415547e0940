package dev.nervesys.bootstrap.it;

import dev.nervesys.bootstrap.revision.GitSource;

import java.nio.file.Path;

/**
 * Fetches once with {@link GitSource} in a JVM of its own, to try JVM flags such as
 * {@code -Djavax.net.ssl.trustStore}: prints {@code revision <id>} or {@code error <message>}.
 * Arguments: repo URL, mirror directory; the token from {@code NERVESYS_GIT_TOKEN}.
 */
public final class GitFetchOnce {

    private GitFetchOnce() {
    }

    public static void main(String[] args) throws Exception {
        try (GitSource source = new GitSource(args[0], "main", Path.of(args[1]), "x-access-token",
                System.getenv("NERVESYS_GIT_TOKEN"))) {
            System.out.println("revision " + source.latest().id());
        } catch (Exception e) {
            System.out.println("error " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
