package dev.nervesys.bootstrap.revision;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One revision of the config repo, held in memory: the text of every file under routes/ and
 * config/, keyed by its path relative to the repository root ({@code routes/ingest.camel.yaml}).
 * Keeping contents rather than paths matters: a file on disk can change under a later checkout,
 * while the last good revision must stay exactly what was applied.
 */
public record Revision(String id, String message, Instant time, SortedMap<String, String> files) {

    public static final String ROUTES_DIR = "routes/";
    public static final String ROUTE_SUFFIX = ".camel.yaml";
    public static final String APPLICATION_PROPERTIES = "config/application.properties";
    public static final String AGENTS_DIR = "config/agents/";

    public Revision {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    /** The first 12 characters of a commit id, or the whole id of a non-Git revision. */
    public String shortId() {
        return id.length() > 12 && id.matches("[0-9a-f]+") ? id.substring(0, 12) : id;
    }

    /** routes/&lt;module&gt;.camel.yaml files by module name. */
    public SortedMap<String, String> routeFiles() {
        SortedMap<String, String> out = new TreeMap<>();
        files.forEach((path, text) -> {
            if (path.startsWith(ROUTES_DIR) && path.endsWith(ROUTE_SUFFIX) && path.indexOf('/', ROUTES_DIR.length()) < 0) {
                out.put(path, text);
            }
        });
        return out;
    }

    /** config/agents/&lt;agent-id&gt;.properties contents by agent id. */
    public Map<String, String> agentOverlays() {
        Map<String, String> out = new TreeMap<>();
        files.forEach((path, text) -> {
            if (path.startsWith(AGENTS_DIR) && path.endsWith(".properties")) {
                out.put(path.substring(AGENTS_DIR.length(), path.length() - ".properties".length()), text);
            }
        });
        return out;
    }

    public String applicationProperties() {
        return files.get(APPLICATION_PROPERTIES);
    }

    /** {@code routes/ingest.camel.yaml} - {@code ingest}. */
    public static String moduleName(String routeFile) {
        String name = routeFile.substring(routeFile.lastIndexOf('/') + 1);
        return name.substring(0, name.length() - ROUTE_SUFFIX.length());
    }

    public String describe() {
        String firstLine = message == null ? "" : message.strip().lines().findFirst().orElse("");
        return shortId() + (firstLine.isEmpty() ? "" : " (" + firstLine + ")");
    }
}
