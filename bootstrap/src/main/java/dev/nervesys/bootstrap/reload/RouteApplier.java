package dev.nervesys.bootstrap.reload;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a validated revision to the live context as a difference, all or nothing.
 *
 * <p>Only touched files are rebuilt: a file whose text changed, a new or newly enabled file, a
 * file that uses ({@code {{key}}}) a property whose value changed, and a deleted or disabled
 * file (its routes are removed). Untouched routes keep running without a restart. Routes of a
 * touched file are stopped gracefully (in-flight exchanges finish, up to Camel's shutdown timeout)
 * and removed before the new ones are added, so that a renamed route may take over its port.
 *
 * <p>On any failure the previous properties and the previous contents of every touched file are
 * restored, and routes only the failed revision added are removed.
 */
public final class RouteApplier {

    private static final Logger LOG = LoggerFactory.getLogger(RouteApplier.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}:]+?)\\s*(?::[^}]*)?}}");

    private final CamelContext context;
    private Map<String, String> files = new TreeMap<>();
    private Map<String, List<String>> idsByFile = new TreeMap<>();
    private Map<String, String> properties = new TreeMap<>();

    public RouteApplier(CamelContext context) {
        this.context = context;
    }

    /** What an apply changed, for logs and the console. */
    public record Change(Set<String> added, Set<String> updated, Set<String> removed, Set<String> changedKeys) {
        public boolean isEmpty() {
            return added.isEmpty() && updated.isEmpty() && removed.isEmpty() && changedKeys.isEmpty();
        }

        @Override
        public String toString() {
            return "added " + added + ", updated " + updated + ", removed " + removed
                    + (changedKeys.isEmpty() ? "" : ", changed settings " + changedKeys);
        }
    }

    public synchronized Change apply(ValidatedRevision next) throws Exception {
        Map<String, String> nextFiles = next.enabledRoutes();
        Map<String, String> nextProps = next.settings().camelValues();
        Set<String> changedKeys = changedKeys(properties, nextProps);

        Set<String> added = new TreeSet<>();
        Set<String> updated = new TreeSet<>();
        Set<String> removed = new TreeSet<>();
        nextFiles.forEach((file, text) -> {
            String old = files.get(file);
            if (old == null) {
                added.add(file);
            } else if (!old.equals(text) || usesAny(text, changedKeys)) {
                updated.add(file);
            }
        });
        files.keySet().stream().filter(f -> !nextFiles.containsKey(f)).forEach(removed::add);
        Change change = new Change(added, updated, removed, changedKeys);

        Set<String> touched = new LinkedHashSet<>();
        touched.addAll(removed);
        touched.addAll(updated);
        touched.addAll(added);
        boolean policies = touched.stream().anyMatch(f -> definesPolicies(files.get(f)) || definesPolicies(nextFiles.get(f)));
        if (policies) {
            // a route takes its error policy (routeConfiguration) when it is created: when a file that
            // defines policies changes, every route and every policy is made again
            touched.addAll(files.keySet());
            touched.addAll(nextFiles.keySet());
        }
        Map<String, String> previousProperties = properties;
        try {
            setProperties(nextProps);
            for (String file : touched) {
                removeRoutes(idsByFile.getOrDefault(file, List.of()));
            }
            if (policies) {
                removePolicies();
            }
            List<String> toLoad = touched.stream().filter(nextFiles::containsKey).toList();
            try {
                load(nextFiles, toLoad);
            } catch (Exception e) {
                List<String> notStarted = notStarted(next, toLoad, false);
                throw new IllegalStateException((notStarted.isEmpty() ? "" : String.join(", ", notStarted)
                        + " did not start: ") + LineLocator.describe(e), e);
            }
            checkStarted(next, toLoad);
        } catch (Exception e) {
            LOG.warn("Applying revision {} failed, rolling back: {}", next.revision().describe(), e.getMessage());
            rollback(next, touched, policies, previousProperties);
            throw e;
        }
        files = new TreeMap<>(nextFiles);
        Map<String, List<String>> ids = new TreeMap<>(next.routeIdsByFile());
        idsByFile = ids;
        properties = new TreeMap<>(nextProps);
        return change;
    }

    private void rollback(ValidatedRevision failed, Set<String> touched, boolean policies, Map<String, String> previousProperties) {
        try {
            for (String file : touched) {
                removeRoutes(failed.routeIdsByFile().getOrDefault(file, List.of()));
                removeRoutes(idsByFile.getOrDefault(file, List.of()));
            }
            if (policies) {
                removePolicies();
            }
            setProperties(previousProperties);
            List<String> restore = touched.stream().filter(files::containsKey).toList();
            load(files, restore);
        } catch (Exception e) {
            LOG.error("Rollback failed; some routes of the last good revision may not run: {}", e.getMessage(), e);
        }
    }

    private void setProperties(Map<String, String> values) {
        Properties p = new Properties();
        p.putAll(values);
        context.getPropertiesComponent().setOverrideProperties(p);
    }

    private void load(Map<String, String> contents, List<String> which) throws Exception {
        if (which.isEmpty()) {
            return;
        }
        List<Resource> resources = new ArrayList<>();
        for (String file : which) {
            resources.add(ResourceHelper.fromString(file, contents.get(file)));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    private static boolean definesPolicies(String text) {
        return text != null && text.contains("routeConfiguration:");
    }

    /**
     * Removes every error policy ({@code routeConfiguration}): Camel keeps them when their file's
     * routes are removed (loading the file again would fail with "Route configuration already
     * exists"), and does not record which file defined them, so they are all made again from the
     * files being loaded, with every route.
     */
    private void removePolicies() throws Exception {
        ModelCamelContext model = (ModelCamelContext) context;
        for (RouteConfigurationDefinition policy : List.copyOf(model.getRouteConfigurationDefinitions())) {
            model.removeRouteConfiguration(policy);
        }
    }

    private void removeRoutes(List<String> ids) throws Exception {
        for (String id : ids) {
            if (context.getRoute(id) != null) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        }
    }

    /**
     * The routes of the loaded files that should run and do not, as "routes/ingest.camel.yaml:
     * ingest-ndjson (Stopped) on netty-http:http://0.0.0.0:8086/ingest": a bind error alone does not
     * say which port. After a failed load, routes not added yet are not named ({@code missing}
     * false): the load stopped before them, they did not fail.
     */
    private List<String> notStarted(ValidatedRevision next, List<String> loaded, boolean missing) {
        List<String> parts = new ArrayList<>();
        for (String file : loaded) {
            for (String id : next.routeIdsByFile().getOrDefault(file, List.of())) {
                Route route = context.getRoute(id);
                ServiceStatus status = context.getRouteController().getRouteStatus(id);
                if (route == null ? missing : route.isAutoStartup() && status != ServiceStatus.Started) {
                    String where = route == null || route.getEndpoint() == null ? "" : " on "
                            + route.getEndpoint().getEndpointBaseUri().replaceAll("//[^/@]*@", "//");
                    parts.add(file + ": " + id + " (" + (status == null ? "missing" : status) + ")" + where);
                }
            }
        }
        return parts;
    }

    private void checkStarted(ValidatedRevision next, List<String> loaded) {
        List<String> notStarted = notStarted(next, loaded, true);
        if (!notStarted.isEmpty()) {
            throw new IllegalStateException("routes did not start: " + String.join(", ", notStarted));
        }
    }

    private static Set<String> changedKeys(Map<String, String> before, Map<String, String> after) {
        if (before.isEmpty()) {
            return Set.of();
        }
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        keys.removeIf(k -> Objects.equals(before.get(k), after.get(k)));
        return keys;
    }

    static boolean usesAny(String text, Set<String> keys) {
        if (keys.isEmpty()) {
            return false;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (keys.contains(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    /** Route ids by file of what runs now. */
    public synchronized Map<String, List<String>> routeIdsByFile() {
        return new HashMap<>(idsByFile);
    }
}
