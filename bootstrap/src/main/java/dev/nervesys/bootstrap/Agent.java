package dev.nervesys.bootstrap;

import dev.nervesys.bootstrap.config.BootstrapSettings;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.console.ConfigHealthCheck;
import dev.nervesys.bootstrap.console.ConsoleUsers;
import dev.nervesys.bootstrap.console.IndexedDevConsoleRegistry;
import dev.nervesys.bootstrap.console.NervesysDevConsole;
import dev.nervesys.bootstrap.console.SyncAgentInfo;
import dev.nervesys.bootstrap.enroll.Enrollment;
import dev.nervesys.bootstrap.reload.ConfigSync;
import dev.nervesys.bootstrap.reload.RevisionValidator;
import dev.nervesys.bootstrap.reload.RouteApplier;
import dev.nervesys.bootstrap.reload.SyncState;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.bootstrap.revision.GitSource;
import dev.nervesys.bootstrap.revision.Revision;
import dev.nervesys.bootstrap.revision.RevisionSource;
import dev.nervesys.bootstrap.security.ExposedPorts;
import dev.nervesys.bootstrap.security.ManagementServerFactory;
import dev.nervesys.bootstrap.security.RoleJolokiaPlugin;
import dev.nervesys.spi.DataDirLock;
import dev.nervesys.spi.Dependencies;
import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.RevisionListener;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.CamelContext;
import org.apache.camel.cli.connector.DefaultCliConnectorFactory;
import org.apache.camel.console.DevConsoleRegistry;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.main.SimpleMainShutdownStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One running agent: the Camel context (camel-main, with the management server), the beans of
 * every capability, and the config sync that loads and hot-reloads the routes. Start-up order:
 * find the config source, fetch the first revision, create the beans from its settings, start
 * Camel, then apply the revision and poll for new ones.
 */
public final class Agent implements AutoCloseable {

    /** Worker threads of the management server's Vert.x (its default is 20). */
    static final int MANAGEMENT_WORKERS = 4;

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final Main main;
    private final BeanFactory beans;
    private final RevisionSource source;
    private final ConfigSync sync;
    private final SyncState state;
    private final Settings settings;
    private final DataDirLock lock;
    private final dev.nervesys.bootstrap.reload.OrchestratorWatch watch;

    private Agent(Main main, BeanFactory beans, RevisionSource source, ConfigSync sync, SyncState state, Settings settings,
                  DataDirLock lock, dev.nervesys.bootstrap.reload.OrchestratorWatch watch) {
        this.lock = lock;
        this.watch = watch;
        this.main = main;
        this.beans = beans;
        this.source = source;
        this.sync = sync;
        this.state = state;
        this.settings = settings;
    }

    /**
     * Starts an agent. Its data dir is locked ({@link DataDirLock}) for as long as it runs: a second
     * agent, or {@code nervesys restore --backup}, on the same data dir is refused.
     */
    public static Agent start(SettingsResolver resolver) throws Exception {
        Settings boot = resolver.bootstrap();
        // read once here so that a bad value fails the start before anything runs (it is used after Camel started)
        boot.getInt(BootstrapSettings.CONFIG_POLL_SECONDS);
        boot.getInt(BootstrapSettings.CONFIG_POLL_JITTER);
        Path dataDir = boot.dataDir();
        DataDirLock lock = DataDirLock.acquire(dataDir, "agent " + boot.agentId());
        try {
            // an agent of an orchestrator: enroll once, or refresh its stored grant (docs/orchestrator.md)
            SettingsResolver enrolled = Enrollment.apply(resolver, dataDir, boot.server());
            return start(enrolled, enrolled == resolver ? boot : enrolled.bootstrap(), dataDir, lock);
        } catch (Exception | Error e) {
            lock.close();
            throw e;
        }
    }

    private static Agent start(SettingsResolver resolver, Settings boot, Path dataDir, DataDirLock lock) throws Exception {
        long t0 = System.nanoTime();
        RevisionSource source = openSource(boot, dataDir);
        SyncState state = new SyncState(dataDir.resolve("state"), boot.clock());
        Revision first = fetchFirst(source, state);
        Settings settings = startSettings(resolver, boot, first);
        try {
            // the add-ons loaded only for a module that is on (reports), then: a module that is on but whose
            // add-on jar is missing, in one line, before any bean is made
            AddOn.attachFor(settings);
            Optional<String> missing = AddOn.refusal(settings);
            if (missing.isPresent()) {
                throw new StartRefused(missing.get());
            }
            for (AddOn a : AddOn.values()) {
                a.modules().stream().filter(m -> dev.nervesys.spi.Role.moduleOn(settings, m) && AddOn.leftOut(settings, m))
                        .forEach(m -> LOG.info("module {} left out: it idles with these settings and {} is not beside nervesys.jar", m, a.jar()));
            }
            ExposedPorts.check(settings);
            checkManagementPort(settings);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }

        ConsoleUsers consoleUsers;
        org.apache.camel.support.jsse.SSLContextParameters managementTls;
        try {
            consoleUsers = ConsoleUsers.fromSettings(settings, dataDir.resolve("state"));
            managementTls = ManagementServerFactory.tls(settings);
        } catch (Exception e) {
            source.close();
            throw e;
        }
        BeanFactory beans = new BeanFactory(settings);

        Main main = new Main();
        // The process's shutdown hook is ours (RunCommand: Agent.close, which stops Camel). Camel's default strategy
        // adds a hook of its own that, on SIGTERM, waits up to 60 s for a context only our hook stops: every
        // `systemctl stop` took a minute. DefaultMainShutdownStrategy.disableHangupSupport() does not prevent that
        // hook in 4.17 (its compareAndSet(false, false) succeeds), so the strategy without a hook.
        main.setShutdownStrategy(new SimpleMainShutdownStrategy());
        main.setDefaultPropertyPlaceholderLocation("false");
        Properties props = settings.toProperties();
        main.setOverrideProperties(props);
        main.configure().setRoutesReloadEnabled(false);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                m.getCamelContext().getCamelContextExtension()
                        .addContextPlugin(DevConsoleRegistry.class, new IndexedDevConsoleRegistry());
                // one MBeanInfo per managed class instead of one per MBean: about 5 MB less heap (SharedInfoMBeanAssembler)
                m.getCamelContext().getCamelContextExtension()
                        .setManagementMBeanAssembler(new dev.nervesys.bootstrap.console.SharedInfoMBeanAssembler(m.getCamelContext()));
            }
        });
        Map<String, Object> bound = new LinkedHashMap<>(beans.beans());
        bound.put("agentInfo", new SyncAgentInfo(state, version()));
        bound.forEach(main::bind);
        // camel-main takes the management server's factory from the registry: ours guards every path
        main.bind("nervesysManagementServerFactory", new ManagementServerFactory(consoleUsers,
                settings.getDuration(BootstrapSettings.MANAGEMENT_BODY_TIMEOUT).toMillis(), managementTls));
        // the management server's Vert.x (camel-platform-http-vertx takes VertxOptions from the registry): 4 worker threads
        // instead of up to 20, each made on demand and kept; health, metrics, Jolokia and the dev consoles run on them. A
        // start watched by a health probe every 20 ms made 10 of them (1.3 MB of stacks and their malloc arenas)
        main.bind("nervesysManagementVertxOptions", new io.vertx.core.VertxOptions()
                .setWorkerPoolSize(MANAGEMENT_WORKERS).setInternalBlockingPoolSize(MANAGEMENT_WORKERS));
        // Camel's plugin registry takes the plugin with id "jolokia" from the registry first: ours has a policy per role
        main.bind("jolokia", new RoleJolokiaPlugin());
        // camel-cli-connector is off unless told (nervesys.cli.enabled): its status task (every second, every route's
        // processors through JMX and their source lines read from the jar) took a fifth of a core on an idle agent
        // and a quarter of the orchestrator's CPU samples during a push
        String cliSetting = settings.get(BootstrapSettings.CLI_ENABLED).strip();
        boolean cli = switch (cliSetting) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> !dev.nervesys.spi.Role.orchestrator(settings);
            default -> throw new IllegalArgumentException(BootstrapSettings.CLI_ENABLED.key() + " must be true, false or auto, not '"
                    + cliSetting + "'");
        };
        if (!cli) {
            DefaultCliConnectorFactory noCli = new DefaultCliConnectorFactory();
            noCli.setEnabled(false);
            main.bind("nervesysNoCliConnector", noCli);
        }
        try {
            main.start();
        } catch (Exception e) {
            beans.close();
            source.close();
            throw e;
        }
        CamelContext context = main.getCamelContext();

        RouteApplier applier = new RouteApplier(context);
        RevisionValidator validator = new RevisionValidator(resolver, bound);
        ConfigSync sync = new ConfigSync(source, validator, applier, state, settings,
                beans.beansOfType(RevisionListener.class));
        // external dependencies (archive target, ClickHouse, heartbeat database, Drive, alert channels):
        // one console section and nervesys_dependency_* metrics for all of them
        Dependencies dependencies = new Dependencies(beans.beansOfType(Dependency.class), settings.clock());
        List<StatusReporter> reporters = new java.util.ArrayList<>(beans.beansOfType(StatusReporter.class));
        reporters.add(dependencies);
        List<MeterBinder> binders = new java.util.ArrayList<>(beans.beansOfType(MeterBinder.class));
        binders.add(dependencies);
        register(context, new NervesysDevConsole(settings.agentId(), settings.server(), version(), state, applier,
                reporters), new ConfigHealthCheck(state), beans.beans().values());
        bindMeters(context, binders);

        sync.initial(first);
        sync.startPolling(Duration.ofSeconds(Math.max(1, boot.getInt(BootstrapSettings.CONFIG_POLL_SECONDS))),
                boot.getInt(BootstrapSettings.CONFIG_POLL_JITTER), () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        // an agent whose config comes from an orchestrator learns of a new commit by long-poll (docs/orchestrator.md)
        Optional<String> waitUrl = boot.secret(Enrollment.WAIT_ENV);
        Optional<String> credential = boot.secret("NERVESYS_GIT_TOKEN");
        dev.nervesys.bootstrap.reload.OrchestratorWatch watch = waitUrl.isPresent() && credential.isPresent()
                && source instanceof GitSource
                ? new dev.nervesys.bootstrap.reload.OrchestratorWatch(waitUrl.get(), boot.get(BootstrapSettings.CONFIG_GIT_USER),
                        credential.get(), sync).start()
                : null;
        LOG.info("Nervesys agent {} ready in {} ms, config from {}, revision {}", settings.agentId(),
                (System.nanoTime() - t0) / 1_000_000, source.describe(),
                state.applied() == null ? "none" : state.applied().id());
        return new Agent(main, beans, source, sync, state, settings, lock, watch);
    }

    /** The agent cannot start; the message says why and what to change (no stack trace needed). */
    public static final class StartRefused extends RuntimeException {
        public StartRefused(String message) {
            super(message);
        }
    }

    /**
     * Camel only logs when the management server cannot bind its port and runs on without health,
     * metrics or console, so the agent would never report ready: refuse to start instead.
     */
    static void checkManagementPort(Settings settings) {
        if (!settings.getBoolean("camel.management.enabled", false)) {
            return;
        }
        int port = settings.getInt("camel.management.port", 9876);
        if (port <= 0) {
            return;
        }
        String host = settings.get("camel.management.host", "0.0.0.0");
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new StartRefused("management port " + host + ":" + port + " cannot be bound (" + e.getMessage()
                    + "): another agent or program uses it; set camel.management.port (e.g. -Dcamel.management.port=9877)");
        }
    }

    private static RevisionSource openSource(Settings boot, Path dataDir) throws Exception {
        Optional<String> repo = boot.find(BootstrapSettings.CONFIG_REPO);
        if (repo.isEmpty()) {
            Path cwd = Path.of("").toAbsolutePath();
            return DirectorySource.looksLikeConfigRoot(cwd) ? new DirectorySource(cwd) : new EmbeddedSource();
        }
        String uri = repo.get();
        Path local = uri.contains("://") ? null : Path.of(uri);
        if (local != null && Files.isDirectory(local) && !Files.exists(local.resolve(".git"))
                && !Files.isDirectory(local.resolve("objects"))) {
            return new DirectorySource(local);
        }
        return new GitSource(local != null ? local.toAbsolutePath().toString() : uri,
                boot.get(BootstrapSettings.CONFIG_BRANCH), dataDir.resolve("config-repo.git"),
                boot.get(BootstrapSettings.CONFIG_GIT_USER),
                boot.secret("NERVESYS_GIT_TOKEN").orElse(null));
    }

    private static Revision fetchFirst(RevisionSource source, SyncState state) {
        try {
            Revision latest = source.latest();
            state.synced(true, null);
            return latest;
        } catch (Exception e) {
            LOG.warn("Config source {} unreachable at start: {}", source.describe(), e.getMessage());
            state.synced(false, e.getClass().getSimpleName() + ": " + e.getMessage());
            try {
                Optional<String> id = state.lastGoodId();
                return id.isPresent() ? source.load(id.get()).orElse(null) : null;
            } catch (Exception again) {
                return null;
            }
        }
    }

    /**
     * The settings the beans are made with: those of the first revision. A revision whose properties
     * files are malformed is rejected by the config sync right after start (console
     * {@code rejectedRevision}, docs/operations.md), and the agent runs on the built-in defaults,
     * the environment and the JVM flags until a good one comes: said here, once, with the file and
     * line, because the beans keep these settings until a restart.
     */
    private static Settings startSettings(SettingsResolver resolver, Settings boot, Revision first) {
        if (first == null) {
            return boot;
        }
        try {
            return resolver.resolve(first);
        } catch (IllegalArgumentException e) {
            LOG.warn("Settings of revision {} cannot be read ({}): beans start with the built-in defaults, environment and"
                    + " JVM flags; fix the file and restart once a good revision is applied", first.describe(), e.getMessage());
            return boot;
        }
    }

    /**
     * Capabilities export their figures as Micrometer meters (nervesys_*): bound to the registry
     * camel-micrometer-prometheus serves at /observe/metrics. Without metrics (camel.metrics.enabled
     * false) there is no registry and nothing to do.
     */
    private static void bindMeters(CamelContext context, java.util.List<MeterBinder> binders) {
        java.util.Set<MeterRegistry> registries = context.getRegistry().findByType(MeterRegistry.class);
        for (MeterRegistry registry : registries) {
            for (MeterBinder binder : binders) {
                binder.bindTo(registry);
            }
        }
        if (registries.isEmpty() && !binders.isEmpty()) {
            LOG.info("No metrics registry (camel.metrics.enabled=false): nervesys_* metrics are not exported");
        }
    }

    private static void register(CamelContext context, NervesysDevConsole console, ConfigHealthCheck health,
                                 java.util.Collection<Object> beans) {
        console.setCamelContext(context);
        DevConsoleRegistry consoles = context.getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        if (consoles != null) {
            consoles.register(console);
        }
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry != null) {
            health.setCamelContext(context);
            registry.register(health);
        }
        // checks bound as beans look at the routes of the live context, not of a validation context
        // that is handed the same beans later (DataPathHealthCheck keeps the first running one)
        for (Object bean : beans) {
            if (bean instanceof org.apache.camel.health.HealthCheck && bean instanceof org.apache.camel.CamelContextAware aware) {
                aware.setCamelContext(context);
            }
        }
    }

    public static String version() {
        String v = Agent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public SyncState state() {
        return state;
    }

    public Settings settings() {
        return settings;
    }

    /** Polls the config source now instead of waiting for the next interval. */
    public void syncNow() {
        sync.pollOnce();
    }

    public List<String> routeIds() {
        return context().getRoutes().stream().map(r -> r.getRouteId()).sorted().toList();
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        sync.close();
        try {
            main.stop();
        } catch (Exception e) {
            LOG.warn("Stopping Camel failed: {}", e.getMessage());
        }
        beans.close();
        source.close();
        lock.close();
    }
}
