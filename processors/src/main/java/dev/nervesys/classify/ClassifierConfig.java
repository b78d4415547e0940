package dev.nervesys.classify;

import dev.nervesys.common.YamlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Section {@code classify:} of config/thresholds.yaml (docs/classify.md): the default level, the
 * message length classified, the rules, and the text classifier with its example files. Errors are
 * {@code file:line: reason}; an example file that is missing from the revision is an error too.
 */
public final class ClassifierConfig {

    public static final String FILE = "config/thresholds.yaml";

    final int defaultRank;
    final int maxMessageChars;
    final List<Rule> rules;
    final List<String> fieldPaths;
    final boolean textEnabled;
    final double minConfidence;
    final String criticalLabel = "critical";
    final Map<String, List<String>> examples;

    private ClassifierConfig(int defaultRank, int maxMessageChars, List<Rule> rules, List<String> fieldPaths,
                             boolean textEnabled, double minConfidence, Map<String, List<String>> examples) {
        this.defaultRank = defaultRank;
        this.maxMessageChars = maxMessageChars;
        this.rules = rules;
        this.fieldPaths = fieldPaths;
        this.textEnabled = textEnabled;
        this.minConfidence = minConfidence;
        this.examples = examples;
    }

    public List<String> ruleNames() {
        return rules.stream().map(r -> r.name).toList();
    }

    public static ClassifierConfig parse(YamlNode root, Function<String, Optional<String>> files) {
        YamlNode c = root.get("classify");
        if (c == null) {
            c = YamlNode.parse(FILE, "");
        }
        c.allowOnly("default_level", "max_message_chars", "rules", "text");
        int defaultRank = Levels.rank("info");
        if (c.get("default_level") != null) {
            defaultRank = Levels.rank(c.get("default_level").text());
            if (defaultRank == Levels.UNKNOWN) {
                throw c.get("default_level").error("unknown level '" + c.get("default_level").text() + "' (known: " + String.join(", ", Levels.NAMES) + ")");
            }
        }
        int maxChars = 4096;
        if (c.get("max_message_chars") != null) {
            double v = c.get("max_message_chars").number();
            if (v < 16 || v > 1_000_000 || v != Math.rint(v)) {
                throw c.get("max_message_chars").error("max_message_chars must be a whole number from 16 to 1000000");
            }
            maxChars = (int) v;
        }
        List<String> paths = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        List<String> names = new ArrayList<>();
        YamlNode rs = c.get("rules");
        if (rs != null) {
            for (YamlNode r : rs.list()) {
                rules.add(rule(r, paths, names));
            }
        }
        boolean text = false;
        double minConfidence = 0.9;
        Map<String, List<String>> examples = new LinkedHashMap<>();
        YamlNode t = c.get("text");
        if (t != null) {
            t.allowOnly("enabled", "min_confidence", "examples");
            text = t.get("enabled") == null || t.get("enabled").bool();
            if (t.get("min_confidence") != null) {
                minConfidence = t.get("min_confidence").number();
                if (minConfidence < 0.5 || minConfidence > 1) {
                    throw t.get("min_confidence").error("min_confidence must be between 0.5 and 1");
                }
            }
            YamlNode ex = t.get("examples");
            if (text) {
                if (ex == null || ex.keys().size() < 2 || !ex.keys().contains("critical")) {
                    throw (ex == null ? t : ex).error("text.examples needs at least two labels, one of them 'critical' (label: path of a file of examples)");
                }
                for (String label : ex.keys()) {
                    String path = ex.get(label).text();
                    Optional<String> content = files.apply(path);
                    if (content.isEmpty()) {
                        throw ex.get(label).error("examples file '" + path + "' not found in the config repo");
                    }
                    List<String> lines = NaiveBayes.exampleLines(content.get());
                    if (lines.isEmpty()) {
                        throw ex.get(label).error("examples file '" + path + "' has no examples");
                    }
                    examples.put(label, lines);
                }
            }
        }
        return new ClassifierConfig(defaultRank, maxChars, List.copyOf(rules), List.copyOf(paths), text, minConfidence, examples);
    }

    private static Rule rule(YamlNode r, List<String> paths, List<String> names) {
        r.allowOnly("name", "label", "level", "pattern", "field", "above", "below");
        if (r.get("name") == null) {
            throw r.error("a rule needs a name");
        }
        String name = r.get("name").text();
        if (!name.matches("[a-z0-9][a-z0-9-]*") || name.equals("text")) {
            throw r.get("name").error("rule name '" + name + "' must be kebab-case (and not 'text')");
        }
        if (names.contains(name)) {
            throw r.get("name").error("rule name '" + name + "' used twice");
        }
        names.add(name);
        String label = r.get("label") == null ? "critical" : r.get("label").text();
        if (!label.matches("[a-z][a-z0-9_-]*")) {
            throw r.get("label").error("label '" + label + "' must be a lower-case word");
        }
        List<String> reason = new ArrayList<>();
        int op = 0;
        int rank = 0;
        if (r.get("level") != null) {
            String spec = r.get("level").text().trim();
            String lv = spec;
            if (spec.startsWith(">=")) {
                op = 1;
                lv = spec.substring(2);
            } else if (spec.startsWith("<=")) {
                op = 2;
                lv = spec.substring(2);
            } else {
                op = 3;
                if (spec.startsWith("==")) {
                    lv = spec.substring(2);
                }
            }
            rank = Levels.rank(lv.trim());
            if (rank == Levels.UNKNOWN) {
                throw r.get("level").error("unknown level in '" + spec + "' (use >= error, <= debug, == warn; levels: " + String.join(", ", Levels.NAMES) + ")");
            }
            reason.add("level " + (op == 1 ? ">= " : op == 2 ? "<= " : "== ") + Levels.name(rank));
        }
        Pattern pattern = null;
        if (r.get("pattern") != null) {
            try {
                pattern = Pattern.compile(r.get("pattern").text());
            } catch (PatternSyntaxException e) {
                throw r.get("pattern").error("bad pattern: " + e.getDescription());
            }
            reason.add("pattern '" + r.get("pattern").text() + "'");
        }
        int field = -1;
        double above = Double.NEGATIVE_INFINITY;
        double below = Double.POSITIVE_INFINITY;
        if (r.get("field") != null) {
            String path = r.get("field").text();
            if (!path.matches("[^.\\s]+(\\.[^.\\s]+)?")) {
                throw r.get("field").error("field path '" + path + "' must be name or name.name");
            }
            if (r.get("above") == null && r.get("below") == null) {
                throw r.get("field").error("a field condition needs above and/or below");
            }
            above = r.get("above") == null ? above : r.get("above").number();
            below = r.get("below") == null ? below : r.get("below").number();
            field = paths.indexOf(path);
            if (field < 0) {
                paths.add(path);
                field = paths.size() - 1;
            }
            reason.add(path + (r.get("above") != null ? " > " + r.get("above").text() : "")
                    + (r.get("below") != null ? " < " + r.get("below").text() : ""));
        } else if (r.get("above") != null || r.get("below") != null) {
            throw r.error("above/below need a field");
        }
        if (reason.isEmpty()) {
            throw r.error("rule '" + name + "' has no condition (level, pattern or field)");
        }
        return new Rule(name, label, op, rank, pattern, field, above, below, "rule " + name + ": " + String.join(" and ", reason));
    }
}
