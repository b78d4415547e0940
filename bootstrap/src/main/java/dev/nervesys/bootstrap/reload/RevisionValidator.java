package dev.nervesys.bootstrap.reload;

import dev.nervesys.bootstrap.AddOn;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.bootstrap.revision.Revision;
import dev.nervesys.spi.ConfigCheck;
import dev.nervesys.spi.Declarations;
import dev.nervesys.spi.Role;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.cli.connector.DefaultCliConnectorFactory;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.CliConnectorFactory;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.PatternHelper;
import org.apache.camel.support.ResourceHelper;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a whole revision without touching the live context: its properties parse, every enabled
 * route file loads and builds in a throwaway {@link DefaultCamelContext} that never starts a
 * consumer (YAML syntax, unknown EIPs, components and options, missing beans, unresolvable
 * placeholders), and the checks Camel does not make: every route has an id, no id is defined by
 * two files, and {@code ${properties:key}} without a default names a defined key.
 *
 * <p>When a file fails, it is set aside and the rest is built again, so that one run reports every
 * bad file, each with a line number where one can be found.
 */
public final class RevisionValidator {

    private static final int MAX_PASSES = 20;
    private static final Pattern LOCATED = Pattern.compile("(?s)([\\w./-]+\\.\\w+)(?::(\\d+))?: (.*)");
    private static final List<ConfigCheck> CHECKS = ServiceLoader.load(ConfigCheck.class).stream()
            .map(ServiceLoader.Provider::get).toList();
    private static final Pattern RUNTIME_PROPERTY = Pattern.compile("\\$\\{properties:([^}:]+)}");

    private final SettingsResolver resolver;
    private final Map<String, Object> beans;

    /**
     * @param beans the agent's long-lived beans, bound by name into each throwaway context (they
     *              are only looked up, never started)
     */
    public RevisionValidator(SettingsResolver resolver, Map<String, Object> beans) {
        this.resolver = resolver;
        this.beans = beans;
    }

    public ValidatedRevision validate(Revision revision) {
        Settings settings;
        try {
            settings = resolver.resolve(revision);
        } catch (IllegalArgumentException e) {
            String file = e.getMessage().contains(":") ? e.getMessage().substring(0, e.getMessage().indexOf(':')) : null;
            return new ValidatedRevision(revision, null, new TreeMap<>(), Map.of(),
                    List.of(new Problem(file, 0, "malformed properties: " + e.getMessage())));
        }
        SortedMap<String, String> enabled = routesToRun(revision, settings);
        List<Problem> problems = new ArrayList<>(configFileProblems(revision));
        // a value that is not of its declared type (a duration without a unit, say): beans would
        // fail at the next start, routes would read it their own way
        Declarations.problems(settings.values()).forEach(p -> problems.add(new Problem(null, 0, p)));
        enabled.forEach((file, text) -> problems.addAll(staticChecks(file, text, settings)));

        // a module whose add-on jar is missing cannot run here (its beans were not created): say which jar
        enabled.keySet().forEach(file -> AddOn.neededBy(Revision.moduleName(file)).filter(a -> !a.present())
                .ifPresent(a -> problems.add(new Problem(file, 0, a.missingLine(Revision.moduleName(file))))));

        Map<String, String> candidates = new TreeMap<>(enabled);
        problems.stream().map(Problem::file).filter(f -> f != null && f.startsWith(Revision.ROUTES_DIR))
                .forEach(candidates::remove);
        Map<String, List<String>> ids = Map.of();
        for (int pass = 0; pass < MAX_PASSES && !candidates.isEmpty(); pass++) {
            BuildOutcome outcome = build(candidates, settings);
            if (outcome.problem == null) {
                ids = outcome.idsByFile;
                break;
            }
            problems.add(outcome.problem);
            if (outcome.problem.file() == null || candidates.remove(outcome.problem.file()) == null) {
                break; // cannot attribute the failure to a file: one problem is all we can say
            }
        }
        problems.sort((a, b) -> String.valueOf(a.file()).compareTo(String.valueOf(b.file())));
        return new ValidatedRevision(revision, settings, enabled, ids, List.copyOf(problems));
    }

    /** What the capabilities' {@link ConfigCheck}s find in their config files. */
    static List<Problem> configFileProblems(Revision revision) {
        List<Problem> out = new ArrayList<>();
        for (ConfigCheck check : CHECKS) {
            try {
                for (String p : check.check(revision.files())) {
                    out.add(parseProblem(p));
                }
            } catch (RuntimeException e) {
                out.add(new Problem(null, 0, check.getClass().getSimpleName() + " failed: " + e.getMessage()));
            }
        }
        return out;
    }

    /** {@code file:line: reason} or {@code file: reason} as a {@link Problem}. */
    static Problem parseProblem(String text) {
        Matcher m = LOCATED.matcher(text);
        if (m.matches()) {
            return new Problem(m.group(1), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)), m.group(3));
        }
        return new Problem(null, 0, text);
    }

    /**
     * Route files whose module is on: {@code nervesys.modules.<name>}, else the role's default
     * (an agent runs every module but orchestrator*, an orchestrator only those and errors: {@link Role}),
     * less a module that idles without its missing add-on jar ({@link AddOn#leftOut}).
     */
    public static SortedMap<String, String> enabledRoutes(Revision revision, Settings settings) {
        SortedMap<String, String> out = new TreeMap<>();
        revision.routeFiles().forEach((file, text) -> {
            String module = Revision.moduleName(file);
            // a module that idles with these settings and whose add-on jar is missing is left out (AddOn.idles)
            if (Role.moduleOn(settings, module) && !AddOn.leftOut(settings, module)) {
                out.put(file, text);
            }
        });
        return out;
    }

    /**
     * The files a revision runs: its enabled route files and, when it has no {@value #ERROR_POLICIES},
     * the jar's copy (the error policies every route of the default set names), as config files
     * without a copy in the repo get the built-in one. The repo's own file replaces it, and
     * switching module {@code errors} off drops it.
     */
    static SortedMap<String, String> routesToRun(Revision revision, Settings settings) {
        SortedMap<String, String> out = enabledRoutes(revision, settings);
        if (!revision.routeFiles().containsKey(ERROR_POLICIES) && settings.getBoolean(moduleKey(ERROR_POLICIES), true)) {
            String builtin = EmbeddedSource.builtin(ERROR_POLICIES);
            if (builtin != null) {
                out.put(ERROR_POLICIES, builtin);
            }
        }
        return out;
    }

    /** The route file that defines the error policies ({@code routeConfiguration}s) routes name. */
    public static final String ERROR_POLICIES = "routes/errors.camel.yaml";

    public static String moduleKey(String routeFile) {
        return "nervesys.modules." + Revision.moduleName(routeFile);
    }

    private static List<Problem> staticChecks(String file, String text, Settings settings) {
        List<Problem> out = new ArrayList<>();
        Matcher m = RUNTIME_PROPERTY.matcher(text);
        while (m.find()) {
            String key = m.group(1).trim();
            if (!settings.values().containsKey(key) && System.getProperty(key) == null
                    && settings.environment().get(Settings.environmentName(key)) == null) {
                out.add(new Problem(file, LineLocator.lineOf(text, m.start()),
                        "property '" + key + "' used by ${properties:" + key + "} is not defined and has no default"));
                break;
            }
        }
        return out;
    }

    private record BuildOutcome(Map<String, List<String>> idsByFile, Problem problem) {
    }

    private BuildOutcome build(Map<String, String> files, Settings settings) {
        Map<String, List<String>> idsByFile = new LinkedHashMap<>();
        Map<String, String> fileById = new HashMap<>();
        DefaultCamelContext ctx = new DefaultCamelContext(false);
        try {
            ctx.getCamelContextExtension().setName("nervesys-validate");
            ctx.disableJMX();
            ctx.setAutoStartup(false);
            ctx.setSourceLocationEnabled(true);
            ctx.getPropertiesComponent().setOverrideProperties(settings.toProperties());
            beans.forEach(ctx.getRegistry()::bind);
            ctx.build();
            // the Camel CLI connector is per process: a throwaway context must not register (and on
            // close delete) the process's status file, which makes the live connector stop the JVM.
            // Set after build(), which installs the default factory.
            DefaultCliConnectorFactory noCli = new DefaultCliConnectorFactory();
            noCli.setEnabled(false);
            ctx.getCamelContextExtension().addContextPlugin(CliConnectorFactory.class, noCli);
            RoutesLoader loader = PluginHelper.getRoutesLoader(ctx);
            for (Map.Entry<String, String> file : files.entrySet()) {
                String path = file.getKey();
                try {
                    for (RoutesBuilder builder : loader.findRoutesBuilders(ResourceHelper.fromString(path, file.getValue()))) {
                        ctx.addRoutes(builder);
                    }
                } catch (Exception e) {
                    return new BuildOutcome(null, new Problem(path, LineLocator.locate(e, file.getValue()), LineLocator.describe(e)));
                }
                List<String> ids = new ArrayList<>();
                for (RouteDefinition route : ((ModelCamelContext) ctx).getRouteDefinitions()) {
                    if (route.getResource() == null || !path.equals(route.getResource().getLocation())) {
                        continue;
                    }
                    String id = route.getRouteId();
                    int line = route.getLineNumber() > 0 ? route.getLineNumber() : 0;
                    if (!route.hasCustomIdAssigned()) {
                        return new BuildOutcome(null, new Problem(path, line, "every route needs an id (kebab-case), this one has none"));
                    }
                    String other = fileById.putIfAbsent(id, path);
                    if (other != null && !other.equals(path) || ids.contains(id)) {
                        return new BuildOutcome(null, new Problem(path, line, "route id '" + id + "' is also defined in "
                                + (other == null ? path : other)));
                    }
                    ids.add(id);
                }
                idsByFile.put(path, ids);
            }
            Problem unknown = unknownRouteConfiguration((ModelCamelContext) ctx);
            if (unknown != null) {
                return new BuildOutcome(null, unknown);
            }
            try {
                ctx.init();
            } catch (Exception e) {
                String routeId = routeIdOf(e);
                String path = routeId == null ? null : fileById.get(routeId);
                String text = path == null ? null : files.get(path);
                int line = text == null ? 0 : LineLocator.locate(e, text);
                String message = (routeId == null ? "" : "route '" + routeId + "': ") + LineLocator.describe(e);
                return new BuildOutcome(null, new Problem(path, line, message));
            }
            return new BuildOutcome(idsByFile, null);
        } finally {
            try {
                ctx.close();
            } catch (Exception ignored) {
                // a throwaway context: nothing of it outlives validation
            }
        }
    }

    /**
     * A route whose {@code routeConfigurationId} names no error policy of the revision: Camel would
     * silently run it without one (its failures unhandled, unlogged by our policy), so the revision
     * is refused. Ids may be comma lists and Camel's wildcard patterns ({@code worker-*}).
     */
    private static Problem unknownRouteConfiguration(ModelCamelContext ctx) {
        List<String> defined = ctx.getRouteConfigurationDefinitions().stream()
                .map(RouteConfigurationDefinition::getId).filter(java.util.Objects::nonNull).sorted().toList();
        for (RouteDefinition route : ctx.getRouteDefinitions()) {
            String refs = route.getRouteConfigurationId();
            if (refs == null || refs.isBlank()) {
                continue;
            }
            for (String ref : refs.split(",")) {
                String id = ref.trim();
                if (!id.isEmpty() && defined.stream().noneMatch(d -> PatternHelper.matchPattern(d, id))) {
                    String file = route.getResource() == null ? null : route.getResource().getLocation();
                    return new Problem(file, Math.max(0, route.getLineNumber()), "route '" + route.getRouteId()
                            + "' names routeConfigurationId '" + id + "', which no route file of this revision defines"
                            + (defined.isEmpty() ? " (is module errors switched off?)" : " (defined: " + String.join(", ", defined) + ")"));
                }
            }
        }
        return null;
    }

    private static String routeIdOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FailedToCreateRouteException f) {
                return f.getRouteId();
            }
        }
        return null;
    }
}
