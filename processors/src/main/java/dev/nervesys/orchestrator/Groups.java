package dev.nervesys.orchestrator;

import dev.nervesys.spi.AppliedRevision;
import dev.nervesys.spi.RevisionListener;
import dev.nervesys.spi.StatusReporter;

import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The enrollment groups, one file each in the orchestrator's config repo:
 * {@code config/groups/<group>.properties} (docs/orchestrator.md). Re-read from every revision the
 * orchestrator applies. A file holds:
 * <ul>
 * <li>{@code agentId}: the pattern of the agents' ids, {@code {host}} and {@code {group}} replaced
 * (default {@code {host}}: the host name the agent sends);</li>
 * <li>{@code nervesys.*} keys: settings handed to the agent (archive target, ClickHouse URL,
 * PostgreSQL of the heartbeats, a config repo of its own...), applied on the agent like
 * environment variables;</li>
 * <li>upper-case keys ({@code STORJ_SECRET_KEY}): secrets handed to the agent as environment
 * variables. Their value must be a reference {@code ${env:NAME}} to the orchestrator's own
 * environment, so that no secret is ever written into a repository.</li>
 * </ul>
 */
public final class Groups implements RevisionListener, StatusReporter {

    static final String DIR = "config/groups/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern SECRET_KEY = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    /** One group: its id pattern, the settings and the secret references it hands out. */
    public record Group(String name, String agentIdPattern, Map<String, String> settings, Map<String, String> secretRefs) {
    }

    private final Function<String, Optional<String>> environment;
    private volatile Map<String, Group> groups = Map.of();
    private volatile Map<String, String> errors = Map.of();

    /** @param environment the orchestrator's environment variables ({@code AgentSettings::secret}) */
    public Groups(Function<String, Optional<String>> environment) {
        this.environment = environment;
    }

    public static boolean validName(String group) {
        return group != null && NAME.matcher(group).matches();
    }

    @Override
    public void applied(AppliedRevision revision) {
        load(revision.files());
    }

    /** Reads the group files among a revision's files. */
    public void load(Map<String, String> files) {
        Map<String, Group> ok = new TreeMap<>();
        Map<String, String> bad = new TreeMap<>();
        files.forEach((path, text) -> {
            if (path.startsWith(DIR) && path.endsWith(".properties") && path.indexOf('/', DIR.length()) < 0) {
                String name = path.substring(DIR.length(), path.length() - ".properties".length());
                try {
                    ok.put(name, parse(name, text));
                } catch (IllegalArgumentException e) {
                    bad.put(name, path + ": " + e.getMessage());
                }
            }
        });
        groups = ok;
        errors = bad;
    }

    static Group parse(String name, String text) {
        if (!validName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid group name (letters, digits, '-', '_')");
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        String pattern = "{host}";
        Map<String, String> settings = new TreeMap<>();
        Map<String, String> secrets = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            if (key.equals("agentId")) {
                pattern = value.isEmpty() ? pattern : value;
            } else if (key.startsWith("nervesys.")) {
                settings.put(key, value);
            } else if (SECRET_KEY.matcher(key).matches()) {
                Matcher m = ENV_REF.matcher(value);
                if (!m.matches()) {
                    throw new IllegalArgumentException(key + ": a secret's value must be ${env:NAME} (an environment variable "
                            + "of the orchestrator), never the secret itself");
                }
                secrets.put(key, m.group(1));
            } else {
                throw new IllegalArgumentException("unknown key '" + key + "' (agentId, nervesys.* settings, or UPPER_CASE "
                        + "secrets as ${env:NAME})");
            }
        }
        return new Group(name, pattern, settings, secrets);
    }

    /** The group, or a refusal that says what is wrong with it. */
    public Group group(String name) throws Refused {
        Group g = groups.get(name);
        if (g != null) {
            return g;
        }
        String error = errors.get(name);
        throw new Refused(409, error != null ? "group " + name + " is broken: " + error
                : "group " + name + " is not defined on the orchestrator (" + DIR + name + ".properties)");
    }

    /** The agent id for a host in a group. */
    public String agentId(String group, String host) throws Refused {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new Refused(400, "host must be a host name (letters, digits, '.', '-', '_'), not '" + host + "'");
        }
        String id = group(group).agentIdPattern().replace("{host}", host).replace("{group}", group);
        if (!HOST.matcher(id).matches()) {
            throw new Refused(409, "group " + group + ": agentId pattern gives '" + id + "', not a valid agent id");
        }
        return id;
    }

    /** The secrets of a group, resolved from the orchestrator's environment (never logged). */
    public Map<String, String> secrets(String group) throws Refused {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : group(group).secretRefs().entrySet()) {
            String value = environment.apply(e.getValue()).orElseThrow(() -> new Refused(503, "group " + group + ": secret "
                    + e.getKey() + " refers to environment variable " + e.getValue() + ", which is not set on the orchestrator"));
            out.put(e.getKey(), value);
        }
        return out;
    }

    @Override
    public String statusName() {
        return "orchestratorGroups";
    }

    /** Group names with their problems, for the console. */
    @Override
    public Map<String, Object> status() {
        Map<String, Object> out = new TreeMap<>();
        out.put("groups", String.join(",", groups.keySet()));
        if (!errors.isEmpty()) {
            out.put("groupErrors", String.join("; ", errors.values()));
        }
        return out;
    }
}
