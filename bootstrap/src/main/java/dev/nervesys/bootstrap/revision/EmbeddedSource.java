package dev.nervesys.bootstrap.revision;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The default routes and config built into the jar (copied from routes/ and config/ of this
 * repository at build time), so that {@code java -jar nervesys.jar} runs anywhere on its own.
 */
public final class EmbeddedSource implements RevisionSource {

    static final String BASE = "nervesys-template/";

    @Override
    public Revision latest() throws IOException, URISyntaxException {
        SortedMap<String, String> files = new TreeMap<>();
        URL marker = EmbeddedSource.class.getClassLoader().getResource(BASE + Revision.APPLICATION_PROPERTIES);
        if (marker == null) {
            throw new IllegalStateException("the jar has no embedded template (" + BASE + ")");
        }
        if ("jar".equals(marker.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) marker.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                for (JarEntry entry : Collections.list(jar.entries())) {
                    if (!entry.isDirectory() && entry.getName().startsWith(BASE)) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            files.put(entry.getName().substring(BASE.length()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        } else {
            // classes directory (tests, IDE): .../nervesys-template/config/application.properties
            Path root = Path.of(marker.toURI()).getParent().getParent();
            files.putAll(DirectorySource.read(root));
        }
        return new Revision("embedded-" + DirectorySource.hash(files), "defaults built into the jar", Instant.now(), files);
    }

    /** The built-in defaults layer: the application.properties embedded in the jar. */
    public static String defaultProperties() {
        String text = resource(BASE + Revision.APPLICATION_PROPERTIES);
        return text == null ? "" : text;
    }

    /** A file of the embedded template ({@code routes/errors.camel.yaml}); null when the jar has none. */
    public static String builtin(String path) {
        return resource(BASE + path);
    }

    private static String resource(String name) {
        try (InputStream in = EmbeddedSource.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describe() {
        return "built-in defaults";
    }
}
