package dev.nervesys.bootstrap;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The agent's logging, set up in code: what logback.xml says, without logback's XML configurator
 * (Joran), whose parser, model and handlers are about 250 more classes loaded by every agent
 * (docs/benchmarks.md, "Footprint"). Plain console logging with the pattern of logback.xml;
 * {@code org.apache.camel} at {@code NERVESYS_CAMEL_LOG_LEVEL} and the root at
 * {@code NERVESYS_LOG_LEVEL} (a system property of that name, else the environment variable,
 * else INFO); JGit, Netty and Vert.x at WARN.
 *
 * <p>A logging configuration of the operator's own wins: with {@code -Dlogback.configurationFile=...}
 * (or a {@code logback-test.xml} on the class path, as in tests) this configurator steps aside and
 * logback reads that file as usual; logback.xml stays in the jar as the documented equivalent.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    /** The pattern of logback.xml. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogConfigurator.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null
                || (loader != null && loader.getResource("logback-test.xml") != null)) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();

        context.getLogger("org.apache.camel").setLevel(level("NERVESYS_CAMEL_LOG_LEVEL"));
        context.getLogger("org.eclipse.jgit").setLevel(Level.WARN);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("io.vertx").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level("NERVESYS_LOG_LEVEL"));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** As logback.xml's {@code ${NAME:-INFO}}: a system property, else the environment variable, else INFO. */
    static Level level(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return Level.toLevel(value == null ? null : value.trim(), Level.INFO);
    }
}
