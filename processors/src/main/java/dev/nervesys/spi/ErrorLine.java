package dev.nervesys.spi;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failure in one line for a person at a command line (docs/operations.md, "Command line: errors
 * and exit codes"): what went wrong with which file, host or value, without exception class names,
 * stack frames or line breaks.
 */
public final class ErrorLine {

    /** {@code java.io.IOException: } and the like, as left in messages by {@code Throwable#toString}. */
    private static final Pattern CLASS_PREFIX = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ");
    /** "line 3, column 7" (SnakeYAML) or "line: 3, column: 7" (Jackson) on a later line of a parser's message. */
    private static final Pattern LINE_COLUMN = Pattern.compile("line:? (\\d+), column:? (\\d+)");
    private static final int MAX = 400;

    private ErrorLine() {
    }

    /** The one line that explains {@code t}: a file problem or a connection failure when there is one in its causes. */
    public static String of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof FileSystemException f) {
                return file(f);
            }
        }
        if (unreachable(t)) {
            String reason = connectReason(t);
            String top = message(t);
            return top == null || top.toLowerCase(Locale.ROOT).contains(reason) ? reason : top + " (" + reason + ")";
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = message(c);
            if (m != null) {
                return m;
            }
        }
        return "unexpected " + t.getClass().getSimpleName();
    }

    /** Whether a connection could not be made (refused, timed out, no route, unknown host) somewhere in {@code t}'s causes. */
    public static boolean unreachable(Throwable t) {
        return connectCause(t) != null;
    }

    /** "connection refused", "connect timed out", "unknown host db.example" ... for the connection failure in {@code t}'s causes. */
    public static String connectReason(Throwable t) {
        for (Throwable u = t; u != null; u = u.getCause()) {
            // the JDK HttpClient reports an unknown host as a ConnectException caused by this
            if (u instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host";
            }
        }
        Throwable c = connectCause(t);
        if (c instanceof UnknownHostException) {
            return "unknown host" + (c.getMessage() == null ? "" : " " + c.getMessage());
        }
        if (c instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (c instanceof HttpConnectTimeoutException || c instanceof SocketTimeoutException) {
            return "connect timed out";
        }
        return "connection refused";
    }

    /**
     * {@code host:port} of a URL (also jdbc: URLs and schemes without a port: postgresql 5432,
     * http 80, https 443), or the URL without its query (which may hold a password) when it has no host.
     */
    public static String hostPort(String url) {
        String u = url.startsWith("jdbc:") ? url.substring(5) : url;
        try {
            URI uri = URI.create(u);
            if (uri.getHost() != null) {
                int port = uri.getPort();
                if (port < 0) {
                    port = switch (String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT)) {
                        case "postgresql", "postgres" -> 5432;
                        case "https" -> 443;
                        case "http" -> 80;
                        default -> -1;
                    };
                }
                return port < 0 ? uri.getHost() : uri.getHost() + ":" + port;
            }
        } catch (IllegalArgumentException e) {
            // not a URI: fall through
        }
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    /**
     * {@code text} as one line: its first line (with the line and column of a parser's message when
     * a later line has them), class-name prefixes removed, shortened to 400 characters.
     */
    public static String oneLine(String text) {
        String s = text.strip();
        int nl = s.indexOf('\n');
        String first = (nl < 0 ? s : s.substring(0, nl)).strip();
        if (nl >= 0 && !first.contains("line")) {
            Matcher m = LINE_COLUMN.matcher(s.substring(nl));
            if (m.find()) {
                first += " (line " + m.group(1) + ", column " + m.group(2) + ")";
            }
        }
        first = CLASS_PREFIX.matcher(first).replaceAll("").replace('\t', ' ').replace('\r', ' ');
        return first.length() > MAX ? first.substring(0, MAX) + "..." : first;
    }

    private static String file(FileSystemException f) {
        String path = f.getFile() != null ? f.getFile() : "?";
        if (f instanceof NoSuchFileException) {
            return "no such file or directory: " + path;
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied: " + path;
        }
        if (f instanceof NotDirectoryException) {
            return "not a directory: " + path;
        }
        if (f instanceof FileAlreadyExistsException) {
            return path + " already exists";
        }
        if (f instanceof DirectoryNotEmptyException) {
            return "directory not empty: " + path;
        }
        String reason = f.getReason();
        return path + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + (reason != null ? oneLine(reason) : "file system error");
    }

    private static Throwable connectCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException
                    || c instanceof HttpConnectTimeoutException
                    || (c instanceof SocketTimeoutException && String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT).contains("connect"))) {
                return c;
            }
        }
        return null;
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank() || m.equals(String.valueOf(t.getCause()))) {
            return null;
        }
        String line = oneLine(m);
        return line.isEmpty() ? null : line;
    }
}
