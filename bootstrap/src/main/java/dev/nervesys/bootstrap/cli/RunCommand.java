package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.spi.DataDirLock;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs the agent until the process is told to stop (SIGTERM, Ctrl-C). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the agent (the default command).",
                "Settings: -Dkey=value JVM flags or environment variables (NERVESYS_CONFIG_REPO=...); see docs/configuration.md."})
public final class RunCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Agent agent;
        try {
            agent = Agent.start(SettingsResolver.fromProcess());
        } catch (Agent.StartRefused | DataDirLock.HeldException e) {
            System.err.println("nervesys: cannot start: " + e.getMessage());
            return 3;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "nervesys-shutdown"));
        stopped.await();
        return 0;
    }
}
