package dev.nervesys.bootstrap.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.Revision;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.cli.connector.DefaultCliConnectorFactory;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spi.CliConnectorFactory;
import org.junit.jupiter.api.Test;

/**
 * Error policies ({@code routeConfiguration}s) through apply, change and rollback: Camel keeps a
 * policy when its file's routes are removed, and a route takes its policy when it is created.
 */
class RouteApplierTest {

    private static final String POLICY = """
            - routeConfiguration:
                id: worker-errors
                onException:
                  - onException:
                      exception:
                        - java.lang.Exception
                      handled:
                        constant: "true"
                      steps:
                        - setBody:
                            constant: "%s"
            """;
    private static final String WORKER = """
            - route:
                id: worker
                routeConfigurationId: worker-errors
                from:
                  uri: direct:work
                  steps:
                    - throwException:
                        exceptionType: java.lang.IllegalStateException
                        message: boom
            """;
    /** A route that validates but cannot start: a second consumer of the same direct endpoint. */
    private static final String CLASH = """
            - route:
                id: clash
                from:
                  uri: direct:work
                  steps:
                    - log: x
            """;

    private static ValidatedRevision validated(String id, Map<String, String> files) {
        Map<String, String> all = new TreeMap<>(files);
        all.put("config/application.properties", "");
        Revision r = new Revision(id, id, Instant.EPOCH, new TreeMap<>(all));
        ValidatedRevision v = new RevisionValidator(new SettingsResolver("", Map.of(), new Properties()), Map.of()).validate(r);
        assertThat(v.problems()).isEmpty();
        return v;
    }

    @Test
    void aChangedPolicyReachesEveryRouteAndAFailedApplyLeavesNoPolicyBehind() throws Exception {
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            // without Camel's CLI connector, which registers dev consoles from its own thread while the
            // context starts (ConcurrentModificationException in DefaultDevConsoleRegistry seen once), as the
            // validation contexts do
            ctx.build();
            DefaultCliConnectorFactory noCli = new DefaultCliConnectorFactory();
            noCli.setEnabled(false);
            ctx.getCamelContextExtension().addContextPlugin(CliConnectorFactory.class, noCli);
            ctx.start();
            RouteApplier applier = new RouteApplier(ctx);
            ProducerTemplate send = ctx.createProducerTemplate();

            applier.apply(validated("r1", Map.of("routes/errors.camel.yaml", POLICY.formatted("handled v1"),
                    "routes/worker.camel.yaml", WORKER)));
            assertThat(send.requestBody("direct:work", "x", String.class)).isEqualTo("handled v1");

            // only the policy file changes: the unchanged worker route must take the new policy
            RouteApplier.Change change = applier.apply(validated("r2", Map.of("routes/errors.camel.yaml", POLICY.formatted("handled v2"),
                    "routes/worker.camel.yaml", WORKER)));
            assertThat(change.updated()).containsExactly("routes/errors.camel.yaml");
            assertThat(send.requestBody("direct:work", "x", String.class)).isEqualTo("handled v2");

            // a revision that fails to start is rolled back, policies included ...
            ValidatedRevision bad = validated("r3", Map.of("routes/errors.camel.yaml", POLICY.formatted("handled v3"),
                    "routes/worker.camel.yaml", WORKER, "routes/clash.camel.yaml", CLASH));
            assertThatThrownBy(() -> applier.apply(bad)).isInstanceOf(Exception.class);
            assertThat(((ModelCamelContext) ctx).getRouteConfigurationDefinitions()).hasSize(1);
            assertThat(send.requestBody("direct:work", "x", String.class)).isEqualTo("handled v2");
            // ... so that the next revision applies (it failed with "Route configuration already exists")
            applier.apply(validated("r4", Map.of("routes/errors.camel.yaml", POLICY.formatted("handled v4"),
                    "routes/worker.camel.yaml", WORKER)));
            assertThat(send.requestBody("direct:work", "x", String.class)).isEqualTo("handled v4");
            assertThat(((ModelCamelContext) ctx).getRouteConfigurationDefinitions()).hasSize(1);
        }
    }
}
