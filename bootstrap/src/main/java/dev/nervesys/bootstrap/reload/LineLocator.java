package dev.nervesys.bootstrap.reload;

import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the line of a route file that a Camel error is about. YAML errors carry a mark; for the
 * others (unknown component, missing bean, unresolvable placeholder) the offending name is taken
 * from the message and looked up in the file text.
 */
final class LineLocator {

    private static final Pattern BECAUSE = Pattern.compile(" because(?: of)?:? ");
    private static final Pattern LINE = Pattern.compile("line (\\d+)", Pattern.CASE_INSENSITIVE);
    private static final List<Pattern> NAMES = List.of(
            Pattern.compile("No component found with scheme: ([\\w.+-]+)"),
            Pattern.compile("Failed to resolve endpoint: ([^\\s]+)"),
            Pattern.compile("No bean could be found in the registry for: ([\\w.$-]+)"),
            Pattern.compile("Property with key \\[([^]]+)]"),
            Pattern.compile("Unknown parameters?=\\{(\\w+)="),
            Pattern.compile("There are \\d+ parameters that couldn't be set on the endpoint.*?Unknown parameters=\\[\\{(\\w+)="),
            Pattern.compile("unknown (?:key|property|node)[^:]*: ?'?([\\w-]+)", Pattern.CASE_INSENSITIVE),
            Pattern.compile(">>> \\w+\\[([^]\\s?]+)"));

    private LineLocator() {
    }

    static int locate(Throwable error, String text) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException y && y.getProblemMark().isPresent()) {
                return y.getProblemMark().get().getLine() + 1;
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            for (Pattern p : NAMES) {
                Matcher m = p.matcher(message);
                if (m.find()) {
                    int line = findLine(text, m.group(1));
                    if (line > 0) {
                        return line;
                    }
                }
            }
        }
        Matcher m = LINE.matcher(String.valueOf(error.getMessage()));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The shortest faithful account: the messages of the cause chain, leaving out those an outer
     * message already repeats (Camel wraps a cause's message into its own).
     */
    static String describe(Throwable error) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = error; t != null && parts.size() < 4; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                continue;
            }
            Matcher because = BECAUSE.matcher(message);
            if (t instanceof org.apache.camel.FailedToCreateRouteException && because.find()) {
                message = message.substring(because.end());
            }
            message = message.strip().replaceAll("\\s+", " ");
            String finalMessage = message;
            if (parts.stream().noneMatch(p -> p.contains(finalMessage))) {
                parts.add(message);
            }
        }
        String joined = parts.isEmpty() ? error.getClass().getSimpleName() : String.join(": ", parts.subList(0, Math.min(2, parts.size())));
        return joined.length() > 600 ? joined.substring(0, 600) + "..." : joined;
    }

    static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int findLine(String text, String needle) {
        String n = needle;
        int q = n.indexOf('?');
        if (q > 0) {
            n = n.substring(0, q);
        }
        n = n.replaceFirst("^(\\w[\\w+.-]*)://", "$1:");
        int at = text.indexOf(n);
        if (at < 0 && n.contains(":")) {
            at = text.indexOf(n.substring(0, n.indexOf(':') + 1));
        }
        return at < 0 ? 0 : lineOf(text, at);
    }
}
