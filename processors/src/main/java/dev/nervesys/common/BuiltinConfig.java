package dev.nervesys.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Config files built into the jar ({@code builtin/} on the class path), used when the config repo
 * has none. config/thresholds.yaml has one (heartbeat status and classifier rules read their own
 * section of it).
 */
public final class BuiltinConfig {

    private BuiltinConfig() {
    }

    /** The built-in copy of a config file, by its name in config/ ({@code thresholds.yaml}); empty when none. */
    public static String text(String name) {
        String path = "builtin/" + name;
        try (InputStream in = BuiltinConfig.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
