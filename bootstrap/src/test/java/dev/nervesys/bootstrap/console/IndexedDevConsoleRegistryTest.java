package dev.nervesys.bootstrap.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class IndexedDevConsoleRegistryTest {

    @TempDir
    Path tmp;

    @Test
    void readsConsoleIdsFromTheJarEntryList() throws Exception {
        Path jar = tmp.resolve("fat.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (String name : new String[] {"META-INF/services/org/apache/camel/dev-console/route",
                    "META-INF/services/org/apache/camel/dev-console/health", "META-INF/services/org/apache/camel/dev-console/default-registry",
                    "META-INF/services/org/apache/camel/dev-console/nested/x", "META-INF/services/org/apache/camel/component/timer"}) {
                j.putNextEntry(new JarEntry(name));
                j.write("class=x\n".getBytes());
                j.closeEntry();
            }
        }
        assertThat(IndexedDevConsoleRegistry.idsIn(jar)).containsExactlyInAnyOrder("route", "health");
    }

    @Test
    void outsideTheFatJarCamelsOwnScanRuns() {
        // in tests our classes come from a directory and Camel's from its own jar
        assertThat(IndexedDevConsoleRegistry.idsInJar()).isNull();
    }
}
