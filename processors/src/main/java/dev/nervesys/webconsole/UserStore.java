package dev.nervesys.webconsole;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Console users kept in the fleet's PostgreSQL (table {@code console_users}, made by
 * {@link ConsoleDatabase} at first use), managed by admins on the users page (docs/console.md,
 * "Users"). Beside them the users of NERVESYS_WEBCONSOLE_USERS keep working; a name given there
 * wins, and the page cannot add or change it. Names are stored in lower case; a password only as
 * its bcrypt hash; a TOTP secret in Base32 (the server must read it to check codes). Every change
 * writes its audit row in the same transaction.
 */
final class UserStore {

    private final ConsoleDatabase db;

    UserStore(ConsoleDatabase db) {
        this.db = db;
    }

    static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT);
    }

    /** The stored user of this name (any case), if any. */
    Optional<UserDirectory.User> find(String name) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT username, role, password_hash, totp_secret FROM console_users WHERE username = ?")) {
            p.setString(1, key(name));
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String totp = rs.getString(4);
                return Optional.of(new UserDirectory.User(rs.getString(1), Role.parse(rs.getString(2)), rs.getString(3),
                        totp == null ? null : Totp.base32(totp)));
            }
        }
    }

    /** Every stored user, without hashes or secrets. */
    List<Map<String, Object>> list() throws SQLException {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT username, role, totp_secret IS NOT NULL AS totp, created_at, created_by, updated_at, updated_by"
                        + " FROM console_users ORDER BY username")) {
            return ConsoleDatabase.rows(p);
        }
    }

    /** Adds a user; false when the name is taken. */
    boolean add(String name, Role role, String hash, String totpSecret, Instant now, String by, ConsoleDatabase.AuditEntry audit)
            throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try {
                int n;
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO console_users (username, role, password_hash, totp_secret, created_at, created_by, updated_at, updated_by)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING")) {
                    p.setString(1, key(name));
                    p.setString(2, role.label());
                    p.setString(3, hash);
                    p.setString(4, totpSecret);
                    p.setTimestamp(5, Timestamp.from(now));
                    p.setString(6, by);
                    p.setTimestamp(7, Timestamp.from(now));
                    p.setString(8, by);
                    n = p.executeUpdate();
                }
                if (n == 1) {
                    ConsoleDatabase.insertAudit(c, audit);
                }
                c.commit();
                return n == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Changes a user: each of {@code role}, {@code hash} and {@code totp} is left as it is when null
     * ({@code totp}: "" removes the secret). False when there is no such user.
     */
    boolean update(String name, Role role, String hash, String totp, Instant now, String by, ConsoleDatabase.AuditEntry audit)
            throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try {
                int n;
                try (PreparedStatement p = c.prepareStatement("UPDATE console_users SET role = COALESCE(?, role),"
                        + " password_hash = COALESCE(?, password_hash),"
                        + " totp_secret = CASE WHEN CAST(? AS text) IS NULL THEN totp_secret ELSE NULLIF(?, '') END,"
                        + " updated_at = ?, updated_by = ? WHERE username = ?")) {
                    p.setString(1, role == null ? null : role.label());
                    p.setString(2, hash);
                    p.setString(3, totp);
                    p.setString(4, totp);
                    p.setTimestamp(5, Timestamp.from(now));
                    p.setString(6, by);
                    p.setString(7, key(name));
                    n = p.executeUpdate();
                }
                if (n == 1) {
                    ConsoleDatabase.insertAudit(c, audit);
                }
                c.commit();
                return n == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
