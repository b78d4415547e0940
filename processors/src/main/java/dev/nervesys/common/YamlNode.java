package dev.nervesys.common;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A YAML node that remembers its file and line, so that the config files (config/thresholds.yaml, config/alerts.yaml)
 * (config/thresholds.yaml, config/alerts.yaml) report errors as {@code file:line: reason}: the form
 * {@code nervesys validate} and the console use. Read-only; unknown keys are reported by callers.
 *
 * <p>Parsed with snakeyaml-engine, the parser Camel's YAML DSL loads anyway for the routes, rather
 * than SnakeYAML 1.x/2.x: one YAML library loaded by an agent instead of two (about 160 classes
 * fewer at start, docs/benchmarks.md, "Footprint").
 */
public final class YamlNode {

    private final String file;
    private final Node node;

    private YamlNode(String file, Node node) {
        this.file = file;
        this.node = node;
    }

    /** Parses a document; an empty document is an empty mapping. */
    public static YamlNode parse(String file, String text) {
        try {
            LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).setAllowNonScalarKeys(true) // "keys must be plain names" below, at the key's line
                    .setLabel(file).build();
            Node root = new Compose(settings).composeString(text).orElse(null);
            return new YamlNode(file, root);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            throw new IllegalArgumentException(file + ":" + line + ": " + e.getProblem());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ":1: " + e.getMessage());
        }
    }

    public String file() {
        return file;
    }

    public int line() {
        return node == null ? 1 : node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    public boolean isEmpty() {
        return node == null;
    }

    public IllegalArgumentException error(String reason) {
        return new IllegalArgumentException(file + ":" + line() + ": " + reason);
    }

    private Map<String, YamlNode> mapping() {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof MappingNode m)) {
            throw error("expected a mapping");
        }
        Map<String, YamlNode> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new YamlNode(file, t.getKeyNode()).error("keys must be plain names");
            }
            if (out.put(k.getValue(), new YamlNode(file, t.getValueNode())) != null) {
                // snakeyaml-engine checks duplicate keys only when it constructs objects, not when it composes nodes
                throw new YamlNode(file, k).error("duplicate key '" + k.getValue() + "'");
            }
        }
        return out;
    }

    /** The child under key, or null. */
    public YamlNode get(String key) {
        return mapping().get(key);
    }

    public Set<String> keys() {
        return mapping().keySet();
    }

    /** Fails on a key outside allowed, naming it and its line. */
    public YamlNode allowOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Map.Entry<String, YamlNode> e : mapping().entrySet()) {
            if (!ok.contains(e.getKey())) {
                throw e.getValue().error("unknown key '" + e.getKey() + "' (allowed: " + String.join(", ", allowed) + ")");
            }
        }
        return this;
    }

    public List<YamlNode> list() {
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof SequenceNode s)) {
            throw error("expected a list");
        }
        List<YamlNode> out = new ArrayList<>();
        for (Node n : s.getValue()) {
            out.add(new YamlNode(file, n));
        }
        return Collections.unmodifiableList(out);
    }

    /** A scalar, or a list of scalars, as strings. */
    public List<String> strings() {
        if (node instanceof SequenceNode) {
            return list().stream().map(YamlNode::text).toList();
        }
        return List.of(text());
    }

    public String text() {
        if (!(node instanceof ScalarNode s)) {
            throw error("expected a single value");
        }
        return s.getValue();
    }

    public double number() {
        try {
            return Double.parseDouble(text().trim());
        } catch (NumberFormatException e) {
            throw error("not a number: '" + text() + "'");
        }
    }

    public boolean bool() {
        String t = text().trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw error("expected true or false, not '" + text() + "'");
        }
        return Boolean.parseBoolean(t);
    }
}
