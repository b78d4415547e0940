package dev.nervesys.bootstrap.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    private static final String DEFAULTS = """
            nervesys.agentId=
            nervesys.ingest.port=8086
            nervesys.buffer.maxBytes=100MB
            nervesys.archive.interval=10m
            nervesys.only.default=d
            nervesys.layer=defaults
            """;

    private static Properties flags(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void eachLayerOverridesTheOneBelow() {
        String app = "nervesys.layer=application\nnervesys.app.only=a\n";
        Map<String, String> overlays = Map.of("edge-7", "nervesys.layer=overlay\nnervesys.overlay.only=o\n",
                "other", "nervesys.layer=wrong-overlay\n");
        Settings s = Settings.merge(DEFAULTS, app, overlays, Map.of(), flags("nervesys.agentId", "edge-7"));
        assertThat(s.agentId()).isEqualTo("edge-7");
        assertThat(s.get("nervesys.layer", null)).isEqualTo("overlay");
        assertThat(s.get("nervesys.only.default", null)).isEqualTo("d");
        assertThat(s.get("nervesys.app.only", null)).isEqualTo("a");
        assertThat(s.get("nervesys.overlay.only", null)).isEqualTo("o");

        Settings env = Settings.merge(DEFAULTS, app, overlays, Map.of("NERVESYS_LAYER", "environment", "NERVESYS_AGENTID", "edge-7"),
                new Properties());
        assertThat(env.agentId()).isEqualTo("edge-7");
        assertThat(env.get("nervesys.layer", null)).isEqualTo("environment");

        Settings jvm = Settings.merge(DEFAULTS, app, overlays, Map.of("NERVESYS_LAYER", "environment"),
                flags("nervesys.layer", "jvm", "nervesys.agentId", "edge-7"));
        assertThat(jvm.get("nervesys.layer", null)).isEqualTo("jvm");
    }

    @Test
    void agentIdFromApplicationPropertiesPicksTheOverlayAndHostNameIsTheFallback() {
        Settings s = Settings.merge(DEFAULTS, "nervesys.agentId=other\n", Map.of("other", "nervesys.layer=other-overlay\n"),
                Map.of(), new Properties());
        assertThat(s.get("nervesys.layer", null)).isEqualTo("other-overlay");
        Settings host = Settings.merge(DEFAULTS, null, Map.of(), Map.of(), new Properties());
        assertThat(host.agentId()).isEqualTo(Settings.hostName()).isNotBlank();
        assertThat(host.server()).isEqualTo(Settings.hostName());
    }

    @Test
    void typedValuesAndSecretsFromTheEnvironmentOnly() {
        Settings s = Settings.merge(DEFAULTS, "nervesys.secretish=fromfile\n", Map.of(),
                Map.of("NERVESYS_INGEST_PORT", "9999", "STORJ_SECRET_KEY", "k3y"), new Properties());
        assertThat(s.getInt("nervesys.ingest.port", 0)).isEqualTo(9999);
        assertThat(s.getBytes("nervesys.buffer.maxBytes", 0)).isEqualTo(100L * 1024 * 1024);
        assertThat(s.getDuration("nervesys.archive.interval", null)).hasMinutes(10);
        assertThat(s.secret("STORJ_SECRET_KEY")).contains("k3y");
        assertThat(s.secret("nervesys.secretish")).isEmpty();
        assertThat(s.values()).doesNotContainValue("k3y");
        assertThat(s.find("nervesys.agentId")).isPresent();
        assertThat(s.readKeys()).contains("nervesys.ingest.port", "nervesys.buffer.maxBytes");
    }

    @Test
    void aModuleNoPropertiesFileNamesIsSwitchedOffFromTheEnvironment() {
        java.util.TreeMap<String, String> files = new java.util.TreeMap<>(Map.of(
                "routes/extra.camel.yaml", "- route: {id: extra, from: {uri: 'timer:x', steps: [{log: x}]}}\n",
                "routes/other.camel.yaml", "- route: {id: other, from: {uri: 'timer:y', steps: [{log: y}]}}\n"));
        dev.nervesys.bootstrap.revision.Revision revision = new dev.nervesys.bootstrap.revision.Revision("r1", "m",
                java.time.Instant.EPOCH, files);
        Settings s = Settings.merge(DEFAULTS, "", Map.of(), Map.of("NERVESYS_MODULES_EXTRA", "false"), new Properties());
        assertThat(s.find("nervesys.modules.extra")).contains("false");
        assertThat(dev.nervesys.bootstrap.reload.RevisionValidator.enabledRoutes(revision, s))
                .containsOnlyKeys("routes/other.camel.yaml");
        // the JVM flag still wins over the environment
        Settings flagged = Settings.merge(DEFAULTS, "", Map.of(), Map.of("NERVESYS_MODULES_EXTRA", "false"),
                flags("nervesys.modules.extra", "true"));
        assertThat(dev.nervesys.bootstrap.reload.RevisionValidator.enabledRoutes(revision, flagged))
                .containsOnlyKeys("routes/extra.camel.yaml", "routes/other.camel.yaml");
        // only nervesys.* keys are looked up this way; secrets are never settings
        Settings other = Settings.merge(DEFAULTS, "", Map.of(), Map.of("STORJ_SECRET_KEY", "k3y"), new Properties());
        assertThat(other.find("storj.secret.key")).isEmpty();
    }

    @Test
    void environmentNamesFollowTheContract() {
        assertThat(Settings.environmentName("nervesys.ingest.port")).isEqualTo("NERVESYS_INGEST_PORT");
        assertThat(Settings.environmentName("camel.management.port")).isEqualTo("CAMEL_MANAGEMENT_PORT");
        assertThat(Settings.environmentName("nervesys.buffer.when-full")).isEqualTo("NERVESYS_BUFFER_WHEN_FULL");
    }

    @Test
    void malformedPropertiesNameTheFile() {
        assertThatThrownBy(() -> Settings.merge(DEFAULTS, "nervesys.x=\\u12G4\n", Map.of(), Map.of(), new Properties()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("config/application.properties: ");
    }
}
