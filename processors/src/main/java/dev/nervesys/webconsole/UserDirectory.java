package dev.nervesys.webconsole;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The console's users, from NERVESYS_WEBCONSOLE_USERS (or {@code nervesys.webconsole.users}):
 * entries separated by commas or white space, each {@code name:role:bcrypt-hash} or
 * {@code name:role:bcrypt-hash:totp-secret} (Base32, as authenticator apps take it). A bad entry
 * is an error at start naming the entry by position and user, never showing its hash or secret.
 */
public final class UserDirectory {

    /** One user: role, password hash, TOTP key or null. */
    public record User(String name, Role role, String hash, byte[] totpKey) {
        public boolean hasTotp() {
            return totpKey != null;
        }
    }

    private final Map<String, User> users;

    private UserDirectory(Map<String, User> users) {
        this.users = users;
    }

    public static UserDirectory parse(String text) {
        Map<String, User> users = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new UserDirectory(users);
        }
        int n = 0;
        for (String entry : text.trim().split("[,\\s]+")) {
            n++;
            String[] parts = entry.split(":", -1);
            String where = "NERVESYS_WEBCONSOLE_USERS entry " + n + (parts[0].isBlank() ? "" : " (" + parts[0] + ")") + ": ";
            if (parts.length != 3 && parts.length != 4) {
                throw new IllegalArgumentException(where + "expected name:role:hash or name:role:hash:totp-secret");
            }
            String name = parts[0].trim();
            if (!name.matches("[A-Za-z0-9._@-]{1,64}")) {
                throw new IllegalArgumentException(where + "a user name is 1-64 letters, digits, '.', '_', '@' or '-'");
            }
            Role role;
            try {
                role = Role.parse(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
            if (!PasswordHashes.isHash(parts[2])) {
                throw new IllegalArgumentException(where + "the hash is not a bcrypt hash ($2y$12$...): make one with "
                        + "`nervesys console hash-password`");
            }
            byte[] totp = null;
            if (parts.length == 4 && !parts[3].isBlank()) {
                try {
                    totp = Totp.base32(parts[3]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + e.getMessage());
                }
            }
            if (users.putIfAbsent(key(name), new User(name, role, parts[2], totp)) != null) {
                throw new IllegalArgumentException(where + "user " + name + " is listed twice");
            }
        }
        return new UserDirectory(users);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    public Optional<User> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(users.get(key(name)));
    }

    /** Every user, in the order given. */
    public java.util.Collection<User> all() {
        return java.util.Collections.unmodifiableCollection(users.values());
    }

    public boolean isEmpty() {
        return users.isEmpty();
    }

    public int size() {
        return users.size();
    }
}
