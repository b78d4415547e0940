package dev.nervesys.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The logging set up in code is what logback.xml says, and an operator's own file wins. */
class LogConfiguratorTest {

    @AfterEach
    void clear() {
        System.clearProperty("NERVESYS_LOG_LEVEL");
        System.clearProperty("NERVESYS_CAMEL_LOG_LEVEL");
        System.clearProperty("logback.configurationFile");
    }

    @Test
    void consoleLoggingWithTheLevelsOfLogbackXml() {
        System.setProperty("NERVESYS_CAMEL_LOG_LEVEL", "debug");
        LoggerContext context = new LoggerContext();
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);

        assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).as("NERVESYS_LOG_LEVEL unset: INFO").isEqualTo(Level.INFO);
        assertThat(context.getLogger("org.apache.camel").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("org.eclipse.jgit").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.vertx").getLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("CONSOLE");
        assertThat(console.isStarted()).isTrue();
        assertThat(((PatternLayoutEncoder) console.getEncoder()).getPattern()).isEqualTo(LogConfigurator.PATTERN)
                .isEqualTo("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n");
    }

    @Test
    void anOperatorsOwnFileWins() {
        System.setProperty("logback.configurationFile", "/etc/nervesys/logback.xml");
        LoggerContext context = new LoggerContext();
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);

        assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).isNull();
    }

    @Test
    void aBadLevelIsInfo() {
        System.setProperty("NERVESYS_LOG_LEVEL", "loud");
        assertThat(LogConfigurator.level("NERVESYS_LOG_LEVEL")).isEqualTo(Level.INFO);
        System.setProperty("NERVESYS_LOG_LEVEL", " WARN ");
        assertThat(LogConfigurator.level("NERVESYS_LOG_LEVEL")).isEqualTo(Level.WARN);
    }
}
