package dev.nervesys.bootstrap.reload;

import dev.nervesys.bootstrap.cli.ValidateCommand;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.bootstrap.revision.Revision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class RevisionValidatorTest {

    static final String GOOD = """
            - route:
                id: good-route
                from:
                  uri: timer:good
                  steps:
                    - log: "{{nervesys.greeting}}"
            """;

    @TempDir
    Path tmp;

    private static Revision revision(Map<String, String> files) {
        Map<String, String> all = new TreeMap<>(files);
        all.putIfAbsent("config/application.properties", "nervesys.greeting=hi\n");
        return new Revision("test", "test", Instant.now(), new TreeMap<>(all));
    }

    private static List<Problem> validate(Map<String, String> files) {
        SettingsResolver resolver = new SettingsResolver("", Map.of(), new Properties());
        return new RevisionValidator(resolver, Map.of("knownBean", new Object())).validate(revision(files)).problems();
    }

    @Test
    void aGoodRevisionHasNoProblemsAndKnowsItsRouteIds() {
        SettingsResolver resolver = new SettingsResolver("", Map.of(), new Properties());
        ValidatedRevision v = new RevisionValidator(resolver, Map.of()).validate(revision(Map.of("routes/good.camel.yaml", GOOD)));
        assertThat(v.problems()).isEmpty();
        assertThat(v.routeIdsByFile()).containsEntry("routes/good.camel.yaml", List.of("good-route"));
    }

    @Test
    void everyBadFileIsReportedWithItsLine() {
        List<Problem> problems = validate(Map.of(
                "routes/good.camel.yaml", GOOD,
                "routes/syntax.camel.yaml", "- route:\n    id: s\n    from: [oops\n",
                "routes/component.camel.yaml", GOOD.replace("good", "comp").replace("log: \"{{nervesys.greeting}}\"", "to: nosuch:thing"),
                "routes/bean.camel.yaml", GOOD.replace("good", "bean").replace("log: \"{{nervesys.greeting}}\"", "bean:\n            ref: missingBean"),
                "routes/placeholder.camel.yaml", GOOD.replace("good", "ph").replace("nervesys.greeting", "nervesys.undefined"),
                "routes/eip.camel.yaml", GOOD.replace("good", "eip").replace("log: \"{{nervesys.greeting}}\"", "noSuchEip: x")));
        assertThat(problems).extracting(Problem::file).containsExactly(
                "routes/bean.camel.yaml", "routes/component.camel.yaml", "routes/eip.camel.yaml",
                "routes/placeholder.camel.yaml", "routes/syntax.camel.yaml");
        assertThat(problems.get(0).message()).contains("missingBean");
        assertThat(problems.get(0).line()).isEqualTo(7);
        assertThat(problems.get(1).message()).contains("nosuch");
        assertThat(problems.get(1).line()).isEqualTo(6);
        assertThat(problems.get(2).message()).containsIgnoringCase("noSuchEip");
        assertThat(problems.get(2).line()).isEqualTo(6);
        assertThat(problems.get(3).message()).contains("nervesys.undefined");
        assertThat(problems.get(3).line()).isEqualTo(6);
        assertThat(problems.get(4).line()).isEqualTo(4);
    }

    @Test
    void routesNeedUniqueIds() {
        List<Problem> missing = validate(Map.of("routes/a.camel.yaml", "- route:\n    from:\n      uri: timer:a\n      steps:\n        - log: x\n"));
        assertThat(missing).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("routes/a.camel.yaml");
            assertThat(p.message()).contains("needs an id");
        });
        List<Problem> duplicate = validate(Map.of("routes/a.camel.yaml", GOOD, "routes/b.camel.yaml", GOOD));
        assertThat(duplicate).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("routes/b.camel.yaml");
            assertThat(p.message()).contains("good-route").contains("routes/a.camel.yaml");
        });
    }

    @Test
    void aRouteMustNameAnErrorPolicyThatTheRevisionDefines() {
        String policy = "- routeConfiguration:\n    id: worker-errors\n    onException:\n      - onException:\n"
                + "          exception:\n            - java.lang.Exception\n          handled:\n            constant: \"true\"\n";
        String user = "- route:\n    id: uses-policy\n    routeConfigurationId: %s\n    from:\n      uri: timer:p\n"
                + "      steps:\n        - log: x\n";
        assertThat(validate(Map.of("routes/errors.camel.yaml", policy, "routes/w.camel.yaml", user.formatted("worker-errors"))))
                .isEmpty();
        assertThat(validate(Map.of("routes/errors.camel.yaml", policy, "routes/w.camel.yaml", user.formatted("worker-*"))))
                .isEmpty();
        List<Problem> typo = validate(Map.of("routes/errors.camel.yaml", policy, "routes/w.camel.yaml", user.formatted("workers-errors")));
        assertThat(typo).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("routes/w.camel.yaml");
            assertThat(p.line()).isEqualTo(1);
            assertThat(p.message()).contains("uses-policy").contains("'workers-errors'").contains("defined: worker-errors");
        });
        // a repo without routes/errors.camel.yaml gets the jar's policies, as config files get their built-in copy
        assertThat(validate(Map.of("routes/w.camel.yaml", user.formatted("worker-errors")))).isEmpty();
        assertThat(validate(Map.of("routes/w.camel.yaml", user.formatted("workers-errors")))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("defined: http-errors, worker-errors"));
        // the module that defines the policies switched off: its users are refused, not run without one
        List<Problem> off = validate(Map.of("routes/errors.camel.yaml", policy, "routes/w.camel.yaml", user.formatted("worker-errors"),
                "config/application.properties", "nervesys.modules.errors=false\n"));
        assertThat(off).singleElement().satisfies(p -> assertThat(p.message()).contains("module errors switched off"));
    }

    @Test
    void runtimePropertyLookupsMustResolve() {
        List<Problem> problems = validate(Map.of("routes/rt.camel.yaml",
                GOOD.replace("{{nervesys.greeting}}", "${properties:nervesys.nothere}")));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("nervesys.nothere");
            assertThat(p.line()).isEqualTo(6);
        });
        assertThat(validate(Map.of("routes/rt.camel.yaml", GOOD.replace("{{nervesys.greeting}}", "${properties:nervesys.greeting}")))).isEmpty();
    }

    @Test
    void capabilityConfigFilesAreChecked() {
        List<Problem> problems = validate(Map.of("routes/good.camel.yaml", GOOD,
                "config/thresholds.yaml", "status:\n  degraded: {}\nbogus: 1\n"));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("config/thresholds.yaml");
            assertThat(p.line()).isEqualTo(3);
            assertThat(p.message()).contains("bogus");
        });
        assertThat(RevisionValidator.parseProblem("config/alerts.yaml: no rules").file()).isEqualTo("config/alerts.yaml");
        assertThat(RevisionValidator.parseProblem("something odd").file()).isNull();
    }

    @Test
    void switchedOffModulesAreNotBuilt() {
        List<Problem> problems = validate(Map.of("routes/broken.camel.yaml", "- route: [",
                "config/application.properties", "nervesys.greeting=hi\nnervesys.modules.broken=false\n"));
        assertThat(problems).isEmpty();
    }

    @Test
    void validateCommandChecksACheckoutOfflineForEveryAgentOverlay() throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("routes"));
        Files.createDirectories(repo.resolve("config/agents"));
        Files.writeString(repo.resolve("config/application.properties"), "nervesys.greeting=hi\nnervesys.modules.extra=false\n");
        Files.writeString(repo.resolve("routes/good.camel.yaml"), GOOD);
        Files.writeString(repo.resolve("routes/extra.camel.yaml"), GOOD.replace("good", "extra").replace("log: \"{{nervesys.greeting}}\"", "to: nosuch:x"));
        assertThat(run(repo)).isEqualTo(0);

        // only the agent that switches the module on sees it
        Files.writeString(repo.resolve("config/agents/edge-1.properties"), "nervesys.modules.extra=true\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(run(repo, out)).isEqualTo(1);
        assertThat(out.toString()).contains("routes/extra.camel.yaml:6: ").contains("nosuch").contains("(agent edge-1)");

        // the repository's own routes/ and config/ are a valid config repo
        assertThat(ValidateCommand.validate(new DirectorySource(Path.of("..").toAbsolutePath().normalize()).latest(), tmp)).isEmpty();
        assertThat(ValidateCommand.validate(new EmbeddedSource().latest(), tmp)).isEmpty();
    }

    private static int run(Path repo) {
        return run(repo, new ByteArrayOutputStream());
    }

    private static int run(Path repo, ByteArrayOutputStream out) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        try {
            return new CommandLine(new ValidateCommand()).execute(repo.toString());
        } finally {
            System.setOut(old);
        }
    }
}
