package dev.nervesys;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md, on the main classes of processors: no package cycle,
 * and a capability's package uses only {@code spi}, {@code common} and itself. The few places where
 * a capability uses another's classes directly are listed in {@link #EXCEPTIONS}, class by class,
 * each with its reason; anything else fails here, so that a new hand-off goes through spi.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.nervesys";

    /** Every top-level package but spi and common is a capability (a new one must be listed here). */
    private static final List<String> CAPABILITIES = List.of("alerts", "archive", "buffer", "classify", "clickhouse",
            "heartbeat", "ingest", "kafka", "live", "orchestrator", "reports", "runs", "snapshots", "telecrunch", "webconsole");

    /** How the capabilities meet: contracts (spi) and helpers several of them use (common). */
    private static final List<String> SHARED = List.of("spi", "common");

    /** A capability that may use these classes of another capability, and why. */
    private record Allowed(String from, Set<String> classes, String reason) {
    }

    private static final List<Allowed> EXCEPTIONS = List.of(
            new Allowed("ingest", Set.of("dev.nervesys.buffer.RecordBuffer", "dev.nervesys.buffer.BufferFullException"),
                    "ingest commits every accepted batch to the record buffer, the agent's one durable log, and "
                            + "answers 503 when it is full (docs/buffer.md); the buffer's API is that log's contract"),
            new Allowed("archive", Set.of("dev.nervesys.buffer.RecordBuffer", "dev.nervesys.buffer.BufferedRecord"),
                    "the archiver is a consumer of the buffer with its own named cursor (docs/buffer.md, docs/archive.md)"),
            new Allowed("clickhouse", Set.of("dev.nervesys.buffer.RecordBuffer", "dev.nervesys.buffer.BufferedRecord"),
                    "the ClickHouse shipper is a consumer of the buffer with its own named cursor (docs/buffer.md, "
                            + "docs/clickhouse.md)"),
            new Allowed("kafka", Set.of("dev.nervesys.buffer.RecordBuffer", "dev.nervesys.buffer.BufferedRecord"),
                    "the Kafka publisher is a consumer of the buffer with its own named cursor (docs/buffer.md, docs/kafka.md)"),
            new Allowed("kafka", Set.of("dev.nervesys.clickhouse.RowEncoder", "dev.nervesys.clickhouse.RowEncoder$Batch",
                    "dev.nervesys.clickhouse.RowEncoder$Bytes", "dev.nervesys.clickhouse.ClickHouseSchema",
                    "dev.nervesys.clickhouse.DeadLetters$Letter"),
                    "the Kafka sink writes the same events and series tables as the shipper, so it uses the shipper's "
                            + "encoder and schema rather than a second copy of them (docs/kafka.md); moving them to common "
                            + "would touch every ClickHouse class, left for a later change"),
            new Allowed("snapshots", Set.of("dev.nervesys.archive.ArchiveSettings", "dev.nervesys.archive.S3Clients"),
                    "snapshots and backups go to the archive's target (its bucket and credentials, or its local "
                            + "folder) and leave the archive's folders out of backups (docs/snapshots.md)"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void noPackageCycles() {
        // between capabilities (a package and its subpackages: telecrunch.*) ...
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
        // ... and between any two packages, subpackages included
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void everyPackageIsACapabilityOrShared() {
        Set<String> unknown = new TreeSet<>();
        for (JavaClass c : MAIN) {
            String rest = c.getPackageName().substring(ROOT.length() + 1);
            String top = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
            if (!CAPABILITIES.contains(top) && !SHARED.contains(top)) {
                unknown.add(ROOT + "." + top);
            }
        }
        assertThat(unknown).as("packages the rules below do not cover: add them to CAPABILITIES (or SHARED)").isEmpty();
    }

    @Test
    void sharedPackagesUseNoCapability() {
        noClasses().that().resideInAnyPackage(packages(SHARED))
                .should().dependOnClassesThat().resideInAnyPackage(packages(CAPABILITIES))
                .because("spi and common are what capabilities build on; they know none of them")
                .check(MAIN);
    }

    @Test
    void capabilitiesUseOnlySharedPackagesAndThemselves() {
        for (String capability : CAPABILITIES) {
            List<String> others = CAPABILITIES.stream().filter(c -> !c.equals(capability)).toList();
            Set<String> allowed = new TreeSet<>();
            EXCEPTIONS.stream().filter(e -> e.from().equals(capability)).forEach(e -> allowed.addAll(e.classes()));
            noClasses().that().resideInAPackage(ROOT + "." + capability + "..")
                    .should().dependOnClassesThat(inAnyOf(others).and(notNamed(allowed)))
                    .because("capabilities meet through spi and common (docs/architecture.md); the exceptions are "
                            + "listed with their reasons in ArchitectureTest.EXCEPTIONS")
                    .check(MAIN);
        }
    }

    /** An exception that no longer matches any dependency is stale: it would let a new one in unnoticed. */
    @Test
    void everyExceptionIsStillUsed() {
        for (Allowed e : EXCEPTIONS) {
            for (String target : e.classes()) {
                boolean used = MAIN.stream()
                        .filter(c -> c.getPackageName().startsWith(ROOT + "." + e.from()))
                        .anyMatch(c -> c.getDirectDependenciesFromSelf().stream()
                                .anyMatch(d -> d.getTargetClass().getName().equals(target)));
                assertThat(used).as(e.from() + " -> " + target + " is listed as an exception but not used").isTrue();
            }
        }
        assertThat(EXCEPTIONS).allSatisfy(e -> assertThat(e.reason()).isNotBlank());
    }

    private static String[] packages(List<String> names) {
        return names.stream().map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }

    private static DescribedPredicate<JavaClass> inAnyOf(List<String> capabilities) {
        return DescribedPredicate.describe("are in another capability's package (" + String.join(", ", capabilities) + ")",
                c -> capabilities.stream().anyMatch(n -> c.getPackageName().equals(ROOT + "." + n)
                        || c.getPackageName().startsWith(ROOT + "." + n + ".")));
    }

    private static DescribedPredicate<JavaClass> notNamed(Set<String> allowed) {
        return DescribedPredicate.describe("are not a listed exception " + allowed,
                c -> !allowed.contains(c.getName()) && !allowed.contains(outermost(c).getName()));
    }

    private static JavaClass outermost(JavaClass c) {
        JavaClass o = c;
        while (o.getEnclosingClass().isPresent()) {
            o = o.getEnclosingClass().get();
        }
        return o;
    }

}
