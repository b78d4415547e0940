package dev.nervesys.bootstrap.it;

import dev.nervesys.bootstrap.Agent;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the end-to-end tests that run one in-JVM agent and nothing else that needs closing: a
 * temporary folder, and the agent, closed after each test. Tests with more to close (a database,
 * a webhook server) keep their own teardown, which closes the agent first.
 */
public abstract class OneAgentTest {

    @TempDir
    protected Path tmp;
    protected Agent agent;

    @AfterEach
    void closeAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }
}
