package dev.nervesys.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every declared setting, from the {@link SettingGroup}s on the class path: what a key means, when
 * a change applies, how routes see its value, and which earlier names still work.
 */
public final class Declarations {

    private static final Logger LOG = LoggerFactory.getLogger(Declarations.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static volatile List<SettingGroup> groups;

    private Declarations() {
    }

    /** The groups, sorted by title. */
    public static List<SettingGroup> groups() {
        List<SettingGroup> g = groups;
        if (g == null) {
            List<SettingGroup> found = new ArrayList<>();
            ServiceLoader.load(SettingGroup.class, Declarations.class.getClassLoader()).forEach(found::add);
            found.sort(Comparator.comparing(SettingGroup::title));
            groups = g = List.copyOf(found);
        }
        return g;
    }

    public static List<Setting> all() {
        return groups().stream().flatMap(x -> x.settings().stream()).toList();
    }

    /** The declaration of a key (a pattern's too), or empty for a key nobody declared. */
    public static Optional<Setting> find(String key) {
        for (Setting s : all()) {
            if (s.matches(key)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Keys renamed, old name to the declaration that replaced it. */
    public static Map<String, Setting> renamed() {
        Map<String, Setting> out = new TreeMap<>();
        for (Setting s : all()) {
            s.renamedFrom().forEach(r -> out.put(r.oldKey(), s));
        }
        return out;
    }

    /**
     * One layer of settings (a properties file, the environment's keys, the JVM flags) with the
     * values of renamed keys carried over to their new names, where the layer does not set the new
     * name itself. The old keys stay, for route files of a config repo that still use them. Each
     * old key is warned about once per process.
     *
     * @param where the layer, named in the warning
     */
    public static Map<String, String> carryOverRenamed(Map<String, String> layer, String where) {
        Map<String, String> out = new LinkedHashMap<>(layer);
        for (Setting s : all()) {
            for (Setting.Rename r : s.renamedFrom()) {
                String old = layer.get(r.oldKey());
                if (old == null) {
                    continue;
                }
                if (!layer.containsKey(s.key())) {
                    out.put(s.key(), r.carryOver(old));
                }
                if (WARNED.add(r.oldKey())) {
                    LOG.warn("{} ({}) is deprecated and will be removed: write {}={} instead", r.oldKey(), where,
                            s.key(), r.carryOver(old));
                }
            }
        }
        return out;
    }

    /** The value routes see for {@code key}: declared durations in milliseconds, sizes in bytes. */
    public static String routeValue(String key, String value) {
        if (value == null || !key.startsWith("nervesys.")) {
            return value;
        }
        return find(key).map(s -> s.routeValue(value)).orElse(value);
    }

    /**
     * The properties routes are built with: every declared default, then {@code values} (renamed
     * keys carried over), each as {@link #routeValue}. For contexts made without the bootstrap
     * (tests of routes); the agent's own settings already hold every default.
     */
    public static Map<String, String> routeProperties(Map<String, String> values) {
        Map<String, String> out = new TreeMap<>();
        for (Setting s : all()) {
            if (!s.isPattern()) {
                out.put(s.key(), s.defaultValue());
            }
        }
        out.putAll(carryOverRenamed(values, "settings"));
        out.replaceAll(Declarations::routeValue);
        return out;
    }

    /** {@code key=value: why} for every declared key whose value is not one of its type. */
    public static List<String> problems(Map<String, String> values) {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> find(k).map(s -> s.problem(v)).ifPresent(p -> out.add(k + "=" + v + ": " + p)));
        return out;
    }
}
