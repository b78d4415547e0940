package dev.nervesys.snapshots;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Object keys of snapshots and backups (the same keys serve as relative paths in the local
 * folder): {@code configs/snapshots/<agent>/<revision>.tar.gz} and
 * {@code backups/daily/<agent>/<yyyy-MM-dd>.tar.gz}.
 *
 * <p>Agent and revision ids become one path segment each. Commit ids, {@code local-…} and
 * {@code embedded-…} ids and host names are already safe and stay as they are; anything else
 * (a slash, a space, {@code ..}, non-ASCII, more than 100 characters) has every unsafe character
 * replaced by {@code _} and gets {@code -} plus 8 hex digits of the SHA-256 of the original id
 * appended, so that two different ids never share a key.
 */
public final class SnapshotKeys {

    public static final String SNAPSHOTS = "configs/snapshots/";
    public static final String BACKUPS = "backups/daily/";
    public static final String EXTENSION = ".tar.gz";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private SnapshotKeys() {
    }

    /** The id itself when it is a safe path segment, else its sanitised form (see the class comment). */
    public static String segment(String id) {
        if (SAFE.matcher(id).matches() && !id.contains("..")) {
            return id;
        }
        String cleaned = id.replaceAll("[^A-Za-z0-9._-]", "_").replace("..", "__");
        if (cleaned.length() > 80) {
            cleaned = cleaned.substring(0, 80);
        }
        if (cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0))) {
            cleaned = "x" + cleaned;
        }
        return cleaned + "-" + sha256(id).substring(0, 8);
    }

    public static String snapshotPrefix(String agentId) {
        return SNAPSHOTS + segment(agentId) + "/";
    }

    public static String snapshotKey(String agentId, String revisionId) {
        return snapshotPrefix(agentId) + segment(revisionId) + EXTENSION;
    }

    public static String backupPrefix(String agentId) {
        return BACKUPS + segment(agentId) + "/";
    }

    public static String backupKey(String agentId, LocalDate day) {
        return backupPrefix(agentId) + day + EXTENSION;
    }

    /** The last path segment of a key without {@code .tar.gz}: a revision segment or a date. */
    public static Optional<String> name(String key) {
        if (!key.endsWith(EXTENSION)) {
            return Optional.empty();
        }
        String file = key.substring(key.lastIndexOf('/') + 1);
        return Optional.of(file.substring(0, file.length() - EXTENSION.length()));
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
