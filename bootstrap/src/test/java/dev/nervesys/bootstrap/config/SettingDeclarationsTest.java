package dev.nervesys.bootstrap.config;

import dev.nervesys.bootstrap.BeanFactory;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.spi.Declarations;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.Sizes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every setting is declared once (a {@code *Settings} record of its capability): the properties
 * files, the routes and docs/configuration.md are checked against the declarations here, and the
 * beans are checked to read only keys declared as theirs. Run with
 * {@code -Dnervesys.docs.write=true} to rewrite the reference section of docs/configuration.md.
 */
class SettingDeclarationsTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(nervesys\\.[^}:]+?)\\s*(:[^}]*)?}}");
    /** Inline defaults that a test pins (FeedAndRouteTest); each must equal the declared default. */
    private static final Set<String> PINNED_INLINE_DEFAULTS = Set.of("nervesys.generator.intervalMs");
    private static final Pattern DOC_KEY = Pattern.compile("`(nervesys\\.[A-Za-z0-9_.<>*-]+)");

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file)));
        return p;
    }

    @Test
    void declarationsAreUniqueAndTheirDefaultsParse() {
        Set<String> keys = new HashSet<>();
        for (Setting s : Declarations.all()) {
            assertThat(keys.add(s.key())).as("declared twice: " + s.key()).isTrue();
            assertThat(s.key()).startsWith("nervesys.");
            assertThat(s.description()).as(s.key()).isNotBlank();
            assertThat(s.problem(s.defaultValue())).as(s.key()).isNull();
        }
        Declarations.renamed().keySet().forEach(old -> assertThat(Declarations.find(old)).as(old).isEmpty());
        assertThat(Declarations.groups()).extracting(g -> g.title()).contains("Agent", "Archive", "Buffer", "Ingest",
                "Heartbeat", "Reports");
    }

    @Test
    void thePropertiesFilesHoldExactlyTheDeclaredKeysWithTheirDefaults() throws Exception {
        Properties app = load(ROOT.resolve("config/application.properties"));
        List<String> problems = new ArrayList<>();
        for (String key : app.stringPropertyNames()) {
            if (!key.startsWith("nervesys.")) {
                continue;
            }
            var declared = Declarations.find(key);
            if (declared.isEmpty()) {
                problems.add(key + " is in config/application.properties but not declared");
            } else if (!declared.get().isPattern() && !declared.get().defaultValue().equals(app.getProperty(key).trim())) {
                problems.add(key + "=" + app.getProperty(key) + " in config/application.properties, declared default "
                        + declared.get().defaultValue());
            }
        }
        for (Setting s : Declarations.all()) {
            if (!s.isPattern() && !app.containsKey(s.key())) {
                problems.add(s.key() + " is declared but not in config/application.properties");
            }
        }
        try (Stream<Path> overlays = Files.list(ROOT.resolve("config/agents"))) {
            for (Path overlay : overlays.toList()) {
                Properties p = load(overlay);
                for (String key : p.stringPropertyNames()) {
                    if (key.startsWith("nervesys.") && Declarations.find(key).isEmpty()) {
                        problems.add(key + " is in " + overlay.getFileName() + " but not declared");
                    } else if (key.startsWith("nervesys.")) {
                        String problem = Declarations.find(key).get().problem(p.getProperty(key));
                        if (problem != null) {
                            problems.add(key + " in " + overlay.getFileName() + ": " + problem);
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void routesUseRouteSettingsOnlyAndEveryRouteSettingWithoutAnInlineDefault() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Matcher m = PLACEHOLDER.matcher(Files.readString(file));
                while (m.find()) {
                    String key = m.group(1);
                    used.add(key);
                    var declared = Declarations.find(key);
                    if (declared.isEmpty()) {
                        problems.add(file.getFileName() + ": " + key + " is not declared");
                    } else if (declared.get().readBy() != Setting.ReadBy.ROUTES) {
                        problems.add(file.getFileName() + ": " + key + " is read by " + declared.get().readBy()
                                + ": routes take it from the bean ({{bean:name.method}}) or it moves to the routes");
                    }
                    if (m.group(2) != null && PINNED_INLINE_DEFAULTS.contains(key)) {
                        if (!m.group(2).substring(1).equals(declared.map(d -> d.routeValue(d.defaultValue())).orElse(null))) {
                            problems.add(file.getFileName() + ": {{" + key + m.group(2) + "}} differs from the declared default");
                        }
                    } else if (m.group(2) != null) {
                        problems.add(file.getFileName() + ": {{" + key + m.group(2) + "}} repeats a default the declaration has");
                    }
                }
            }
        }
        for (Setting s : Declarations.all()) {
            if (s.readBy() == Setting.ReadBy.ROUTES && !s.isPattern() && !used.contains(s.key())) {
                problems.add(s.key() + " is declared as read by routes but no route uses it");
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void docsConfigurationListsEveryDeclaredKeyAndNoOther() throws Exception {
        Path doc = ROOT.resolve("docs/configuration.md");
        String text = Files.readString(doc);
        int begin = text.indexOf(SettingsReference.BEGIN);
        int end = text.indexOf(SettingsReference.END);
        assertThat(begin).as("docs/configuration.md has the generated section").isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String expected = SettingsReference.markdown();
        String actual = text.substring(begin, end + SettingsReference.END.length());
        if (!actual.equals(expected) && Boolean.getBoolean("nervesys.docs.write")) {
            text = text.substring(0, begin) + expected + text.substring(end + SettingsReference.END.length());
            Files.writeString(doc, text);
            actual = expected;
        }
        assertThat(actual).as("docs/configuration.md is not what the declarations say: run this test with "
                + "-Dnervesys.docs.write=true and commit the file").isEqualTo(expected);

        List<String> unknown = new ArrayList<>();
        Matcher m = DOC_KEY.matcher(text);
        Map<String, Setting> renamed = Declarations.renamed();
        while (m.find()) {
            String key = m.group(1).replaceAll("[.]$", "");
            boolean prefix = key.endsWith(".*") && Declarations.all().stream().anyMatch(s -> s.key().startsWith(key.substring(0, key.length() - 1)));
            if (!prefix && Declarations.find(key).isEmpty() && !renamed.containsKey(key)
                    && Declarations.all().stream().noneMatch(s -> s.key().equals(key))) {
                unknown.add(key);
            }
        }
        assertThat(unknown).as("keys in docs/configuration.md that are not declared").isEmpty();
    }

    @Test
    void beansReadOnlyKeysDeclaredAsTheirs(@TempDir Path tmp) throws Exception {
        Properties flags = new Properties();
        flags.setProperty("nervesys.dataDir", tmp.toString());
        flags.setProperty("nervesys.ingest.port", "0");
        Settings settings = Settings.merge(EmbeddedSource.defaultProperties(), null, Map.of(), Map.of(), flags);
        try (BeanFactory beans = new BeanFactory(settings)) {
            assertThat(beans.beans()).containsKeys("recordBuffer", "ingest", "heartbeat", "reports");
        }
        List<String> wrong = new ArrayList<>();
        for (String key : settings.readKeys()) {
            var declared = Declarations.find(key);
            if (key.startsWith("nervesys.") && (declared.isEmpty() || declared.get().readBy() == Setting.ReadBy.ROUTES)) {
                wrong.add(key + (declared.isEmpty() ? " (not declared)" : " (declared as read by routes)"));
            }
        }
        assertThat(wrong).as("keys the beans read that are not declared as read by beans").isEmpty();
    }

    @Test
    void aDurationHasOneMeaningAndAPlainNumberIsRejected() {
        assertThat(Sizes.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Sizes.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Sizes.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Sizes.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Sizes.parseDuration("60")).hasMessageContaining("needs a unit").hasMessageContaining("60s or 60ms");
        assertThatThrownBy(() -> Sizes.parseDuration("1x")).hasMessageContaining("not a duration");

        // routes see what beans see: milliseconds, whatever the form
        Settings s = Settings.merge(EmbeddedSource.defaultProperties(), "nervesys.heartbeat.interval=1m30s\n", Map.of(),
                Map.of(), new Properties());
        assertThat(s.getDuration(HeartbeatKeys.INTERVAL)).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.routeValues().get("nervesys.heartbeat.interval")).isEqualTo("90000");
        assertThat(s.routeValues().get("nervesys.ingest.maxBodyBytes")).isEqualTo(String.valueOf(25L << 20));
        assertThat(Declarations.problems(Map.of("nervesys.heartbeat.interval", "60")))
                .singleElement().asString().contains("nervesys.heartbeat.interval=60").contains("needs a unit");
    }

    @Test
    void renamedKeysKeepWorkingInEveryLayer() {
        String defaults = EmbeddedSource.defaultProperties();
        Settings file = Settings.merge(defaults, "nervesys.archive.checkEveryMs=500\n", Map.of(), Map.of(), new Properties());
        assertThat(file.values()).containsEntry("nervesys.archive.checkEvery", "500ms")
                .containsEntry("nervesys.archive.checkEveryMs", "500"); // route files of a config repo may still use it
        assertThat(file.routeValues()).containsEntry("nervesys.archive.checkEvery", "500");

        Settings env = Settings.merge(defaults, null, Map.of(), Map.of("NERVESYS_LIVE_FLUSHMILLIS", "20"), new Properties());
        assertThat(env.values()).containsEntry("nervesys.live.flushEvery", "20ms");

        Properties flags = new Properties();
        flags.setProperty("nervesys.reports.retry.everyMs", "60000");
        Settings jvm = Settings.merge(defaults, null, Map.of(), Map.of(), flags);
        assertThat(jvm.values()).containsEntry("nervesys.reports.retry.every", "60000ms");

        // the new name wins over the old one in the same layer, and a higher layer's new name over a lower's old one
        Settings both = Settings.merge(defaults, "nervesys.classify.waitMs=100\nnervesys.classify.wait=2s\n", Map.of(),
                Map.of(), new Properties());
        assertThat(both.values()).containsEntry("nervesys.classify.wait", "2s");
        Settings higher = Settings.merge(defaults, "nervesys.classify.waitMs=100\n", Map.of(),
                Map.of("NERVESYS_CLASSIFY_WAIT", "3s"), new Properties());
        assertThat(higher.values()).containsEntry("nervesys.classify.wait", "3s");
    }

    /** The heartbeat's declarations, looked up by key so that this test needs no import of the capability. */
    private static final class HeartbeatKeys {
        static final Setting INTERVAL = Declarations.find("nervesys.heartbeat.interval").orElseThrow();
    }
}
