package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which bind addresses count as open, and which open ports protected mode lets through. */
class ExposedPortsTest {

    private static Settings settings(Map<String, String> env, String... keyValues) {
        Properties flags = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            flags.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return Settings.merge(EmbeddedSource.defaultProperties(), null, Map.of(), env, flags);
    }

    @Test
    void theDefaultsBindEveryPortToLoopback() {
        Settings s = settings(Map.of());
        assertThat(ExposedPorts.ports(s)).extracting(ExposedPorts.Port::name).containsExactly("ingest", "live", "management");
        assertThat(ExposedPorts.ports(s)).allSatisfy(p -> assertThat(p.host()).isEqualTo("127.0.0.1"));
        assertThat(ExposedPorts.refusals(s)).isEmpty();
    }

    @Test
    void loopbackIsOnlyWhatResolvesToLoopback() {
        assertThat(ExposedPorts.isLoopback("127.0.0.1")).isTrue();
        assertThat(ExposedPorts.isLoopback("127.0.1.1")).isTrue();
        assertThat(ExposedPorts.isLoopback("::1")).isTrue();
        assertThat(ExposedPorts.isLoopback("localhost")).isTrue();
        assertThat(ExposedPorts.isLoopback("0.0.0.0")).isFalse();
        assertThat(ExposedPorts.isLoopback("::")).isFalse();
        assertThat(ExposedPorts.isLoopback("")).isFalse();
        assertThat(ExposedPorts.isLoopback("10.1.2.3")).isFalse();
        assertThat(ExposedPorts.isLoopback("no-such-host.invalid")).isFalse();
    }

    @Test
    void anOpenPortNeedsItsAuthenticationOrItsNameInAllowAnonymous() {
        Settings open = settings(Map.of(), "nervesys.ingest.host", "0.0.0.0", "nervesys.live.host", "0.0.0.0",
                "camel.management.host", "0.0.0.0");
        assertThat(ExposedPorts.refusals(open)).hasSize(3);
        assertThat(ExposedPorts.refusals(open).get(0)).isEqualTo("ingest port 0.0.0.0:8086 is reachable from other machines"
                + " without authentication (set NERVESYS_INGEST_TOKENS, bind it to 127.0.0.1 with nervesys.ingest.host,"
                + " or open it deliberately with nervesys.security.allowAnonymous=ingest)");
        assertThatThrownBy(() -> ExposedPorts.check(open)).isInstanceOf(ExposedPorts.Refused.class)
                .hasMessage("ingest port 0.0.0.0:8086, live port 0.0.0.0:8087, management port 0.0.0.0:9876 are open"
                        + " to other machines without authentication; set NERVESYS_INGEST_TOKENS, NERVESYS_LIVE_TOKENS,"
                        + " NERVESYS_CONSOLE_USERS,"
                        + " bind to 127.0.0.1 with nervesys.ingest.host, nervesys.live.host, camel.management.host, or allow"
                        + " with nervesys.security.allowAnonymous=ingest,live,management (docs/security.md)")
                // the command line prints "<command>: cannot start: <message>" cut at 400 characters
                .satisfies(e -> assertThat(("cannot start: " + e.getMessage()).length()).isLessThanOrEqualTo(400));

        Settings authenticated = settings(Map.of("NERVESYS_INGEST_TOKENS", "t", "NERVESYS_CONSOLE_USERS", "a:b"),
                "nervesys.ingest.host", "0.0.0.0", "nervesys.live.host", "0.0.0.0", "camel.management.host", "0.0.0.0");
        assertThat(ExposedPorts.refusals(authenticated)).singleElement().asString().startsWith("live port 0.0.0.0:8087")
                .contains("set NERVESYS_LIVE_TOKENS");
        // the live port has tokens of its own: with them it opens without allowAnonymous
        Settings liveTokens = settings(Map.of("NERVESYS_INGEST_TOKENS", "t", "NERVESYS_CONSOLE_USERS", "a:b",
                "NERVESYS_LIVE_TOKENS", "l"), "nervesys.ingest.host", "0.0.0.0", "nervesys.live.host", "0.0.0.0",
                "camel.management.host", "0.0.0.0");
        assertThat(ExposedPorts.refusals(liveTokens)).isEmpty();

        Settings allowed = settings(Map.of("NERVESYS_INGEST_TOKENS", "t", "NERVESYS_CONSOLE_USERS", "a:b"),
                "nervesys.ingest.host", "0.0.0.0", "nervesys.live.host", "0.0.0.0", "camel.management.host", "0.0.0.0",
                "nervesys.security.allowAnonymous", " Live ");
        assertThat(ExposedPorts.refusals(allowed)).isEmpty();

        Settings moduleOff = settings(Map.of(), "nervesys.live.host", "0.0.0.0", "nervesys.modules.live", "false");
        assertThat(ExposedPorts.refusals(moduleOff)).isEmpty();
        Settings server = settings(Map.of(), "camel.server.enabled", "true", "camel.server.host", "0.0.0.0");
        assertThat(ExposedPorts.refusals(server)).singleElement().asString().startsWith("server port 0.0.0.0:8080");
    }

    @Test
    void anUnknownPortNameIsABadSetting() {
        assertThatThrownBy(() -> ExposedPorts.refusals(settings(Map.of(), "nervesys.security.allowAnonymous", "ingest,mgmt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nervesys.security.allowAnonymous=ingest,mgmt: 'mgmt' is not a port name; use a comma list of"
                        + " ingest, live, management, server");
    }
}
