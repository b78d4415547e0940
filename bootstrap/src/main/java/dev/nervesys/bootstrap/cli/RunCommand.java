package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.Agent;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.security.ExposedPorts;
import dev.nervesys.spi.DataDirLock;
import dev.nervesys.spi.ErrorLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the agent until the process is told to stop (SIGTERM, Ctrl-C). A start that cannot succeed
 * is one line on stderr: exit code 3 when a port or the data dir is taken, 5 when a port would be
 * reachable from other machines without authentication, 1 for a bad setting.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the agent (the default command).",
                "Settings: -Dkey=value JVM flags or environment variables (NERVESYS_CONFIG_REPO=...); see docs/configuration.md."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped (SIGTERM)", "1:cannot start: a bad setting, the data dir unusable",
                "3:cannot start: the management port or the data dir is taken",
                "5:cannot start: a port would be reachable from other machines without authentication (docs/security.md)"})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private final SettingsResolver resolver;

    /** The command line's: this process's environment and -D flags. */
    public RunCommand() {
        this(null);
    }

    /** With the given environment and flags (null: this process's). */
    public RunCommand(SettingsResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public Integer call() throws Exception {
        SettingsResolver r = resolver != null ? resolver : SettingsResolver.fromProcess();
        checkDataDir(r.bootstrap());
        // The hook is in place before the start: a SIGTERM while the agent starts (its management server may
        // already answer) waits for the start to end, then stops what started, as one after the start does.
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Agent> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Agent a = running.get();
            if (a != null) {
                a.close();
            }
            stopped.countDown();
        }, "nervesys-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            running.set(Agent.start(r));
        } catch (ExposedPorts.Refused e) {
            throw new CliErrors.Failure(CliErrors.EXPOSED, "cannot start: " + e.getMessage(), e);
        } catch (Agent.StartRefused | DataDirLock.HeldException e) {
            throw new CliErrors.Failure(CliErrors.REFUSED, "cannot start: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // a setting that is not of its type (AgentSettings names the key) or a malformed properties file
            throw new CliErrors.Failure(CliErrors.FAILED, "cannot start: " + ErrorLine.of(e)
                    + "; fix it in config/, the -D flag or the environment variable (docs/configuration.md)", e);
        } finally {
            started.countDown();
        }
        returnStartGarbage();
        stopped.await();
        return 0;
    }

    /**
     * One full collection once the agent is ready. The start leaves garbage promoted to the old generation (more when a
     * health probe polls during the start, as supervisors do), and an idle agent never runs another full collection, so
     * the old generation kept its start-time size for good. With config/jvm.options ({@code -XX:-ShrinkHeapInSteps},
     * {@code -XX:MaxHeapFreeRatio=10}) this one gives it back at once: 4-5 MB of idle RSS, one pause of a few tens of
     * milliseconds (docs/benchmarks.md, "Footprint", sixth pass).
     */
    static void returnStartGarbage() {
        System.gc();
    }

    /** The data dir must be a directory (or creatable): say so before anything starts. */
    private static void checkDataDir(Settings boot) {
        Path dataDir = boot.dataDir();
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new CliErrors.Failure(CliErrors.FAILED, "cannot start: the data dir " + dataDir.toAbsolutePath()
                    + " is not a directory; set nervesys.dataDir (-Dnervesys.dataDir=... or NERVESYS_DATA_DIR)");
        }
    }
}
