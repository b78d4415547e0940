package dev.nervesys.webconsole;

import java.util.Locale;

/**
 * The console's roles, each including the rights of the ones before it (docs/console.md):
 * a viewer reads, an operator also acknowledges alerts (and later runs reports, promotes and
 * halts rollouts), an admin also reads the audit log (and later manages users, module switches
 * and tokens).
 */
public enum Role {
    VIEWER, OPERATOR, ADMIN;

    /** True when this role has at least the rights of {@code needed}. */
    public boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code viewer}, {@code operator} or {@code admin}, any case. */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.label().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("role must be viewer, operator or admin, not '" + text + "'");
    }
}
