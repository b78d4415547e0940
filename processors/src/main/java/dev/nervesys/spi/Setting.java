package dev.nervesys.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The declaration of one setting: its key, type, default (as written in
 * config/application.properties), unit, description, and who reads it. Every {@code nervesys.*}
 * key is declared once, in its capability's settings record, and listed by a {@link SettingGroup};
 * config/application.properties and docs/configuration.md are checked against the declarations.
 *
 * @param key          the property key; {@code <name>} in it stands for any one segment
 *                     ({@code nervesys.modules.<name>})
 * @param defaultValue the default exactly as config/application.properties writes it; empty = unset
 * @param unit         what a plain number counts ("records", "per second"), empty for durations,
 *                     sizes, flags and text: their forms are fixed by the type
 * @param readBy       who reads it, which says when a change takes effect
 * @param renamedFrom  earlier names that still work, with a warning logged once
 */
public record Setting(String key, Type type, String defaultValue, String unit, ReadBy readBy, String description,
                      List<Rename> renamedFrom) {

    /** How a value is written. */
    public enum Type {
        TEXT, INTEGER, NUMBER, BOOLEAN,
        /** {@code 1048576}, {@code 512KB}, {@code 100MB}, {@code 1GB}: a plain number is bytes. */
        BYTES,
        /**
         * A number with a unit: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}, or
         * several ({@code 1m30s}), or ISO-8601 ({@code PT1M30S}). A plain number other than 0 is
         * rejected: Camel reads one as milliseconds and people mean seconds.
         */
        DURATION
    }

    /** Who reads a setting, hence when a change applies. */
    public enum ReadBy {
        /** Routes, as {@code {{key}}}: a change rebuilds the routes that use it, on reload. */
        ROUTES,
        /** Beans, once at start: a change needs a restart (the console lists it). */
        BEANS,
        /**
         * The bootstrap, before any revision: only the environment and JVM flags set it, the
         * config repo's value is ignored; a change needs a restart.
         */
        BOOTSTRAP
    }

    /**
     * An earlier name of the setting.
     *
     * @param plainUnit what a plain number meant under the old name ("ms", "s"), appended to it
     *                  when the value is carried over; empty when the value carries over unchanged
     */
    public record Rename(String oldKey, String plainUnit) {

        /** The old value as a value of the new key. */
        public String carryOver(String value) {
            String v = value.trim();
            return !plainUnit.isEmpty() && v.matches("\\d+") ? v + plainUnit : v;
        }
    }

    public Setting {
        renamedFrom = List.copyOf(renamedFrom);
        String problem = problem(type, defaultValue);
        if (problem != null) {
            throw new IllegalArgumentException("default of " + key + ": " + problem);
        }
    }

    public static Setting text(String key, String defaultValue, ReadBy readBy, String description) {
        return new Setting(key, Type.TEXT, defaultValue, "", readBy, description, List.of());
    }

    public static Setting integer(String key, String defaultValue, String unit, ReadBy readBy, String description) {
        return new Setting(key, Type.INTEGER, defaultValue, unit, readBy, description, List.of());
    }

    public static Setting number(String key, String defaultValue, String unit, ReadBy readBy, String description) {
        return new Setting(key, Type.NUMBER, defaultValue, unit, readBy, description, List.of());
    }

    public static Setting flag(String key, String defaultValue, ReadBy readBy, String description) {
        return new Setting(key, Type.BOOLEAN, defaultValue, "", readBy, description, List.of());
    }

    public static Setting bytes(String key, String defaultValue, ReadBy readBy, String description) {
        return new Setting(key, Type.BYTES, defaultValue, "", readBy, description, List.of());
    }

    public static Setting duration(String key, String defaultValue, ReadBy readBy, String description) {
        return new Setting(key, Type.DURATION, defaultValue, "", readBy, description, List.of());
    }

    /** The same setting, also read under an earlier name whose plain numbers meant {@code plainUnit}. */
    public Setting renamedFrom(String oldKey, String plainUnit) {
        List<Rename> r = new ArrayList<>(renamedFrom);
        r.add(new Rename(oldKey, plainUnit));
        return new Setting(key, type, defaultValue, unit, readBy, description, r);
    }

    /** Changing it needs a restart: beans and the bootstrap read it once. */
    public boolean restartNeeded() {
        return readBy != ReadBy.ROUTES;
    }

    public boolean isPattern() {
        return key.contains("<");
    }

    /** Whether {@code k} is this key, or one of the keys of this pattern. */
    public boolean matches(String k) {
        if (!isPattern()) {
            return key.equals(k);
        }
        int open = key.indexOf('<');
        int close = key.indexOf('>', open);
        String prefix = key.substring(0, open);
        String suffix = key.substring(close + 1);
        if (!k.startsWith(prefix) || !k.endsWith(suffix) || k.length() <= prefix.length() + suffix.length()) {
            return false;
        }
        return !k.substring(prefix.length(), k.length() - suffix.length()).contains(".");
    }

    /** Why {@code value} is not a value of this setting, or null when it is one. Empty is "unset". */
    public String problem(String value) {
        return problem(type, value);
    }

    private static String problem(Type type, String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            return null;
        }
        try {
            switch (type) {
                case INTEGER -> Long.parseLong(v);
                case NUMBER -> Double.parseDouble(v);
                case BOOLEAN -> {
                    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                        return "not true or false";
                    }
                }
                case BYTES -> Sizes.parseBytes(v);
                case DURATION -> Sizes.parseDuration(v);
                default -> {
                }
            }
            return null;
        } catch (NumberFormatException e) {
            return "not " + (type == Type.INTEGER ? "a whole number" : "a number");
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            return e.getMessage();
        }
    }

    /**
     * The value as routes see it: durations in milliseconds and sizes in bytes, plain numbers,
     * which every Camel option of time or size reads the same way; others unchanged. A value that
     * does not parse is passed as it is (validation reports it).
     */
    public String routeValue(String value) {
        if (problem(value) != null || value.isBlank()) {
            return value;
        }
        return switch (type) {
            case DURATION -> String.valueOf(Sizes.parseDuration(value).toMillis());
            case BYTES -> String.valueOf(Sizes.parseBytes(value));
            case BOOLEAN -> value.trim().toLowerCase(Locale.ROOT);
            default -> value;
        };
    }
}
