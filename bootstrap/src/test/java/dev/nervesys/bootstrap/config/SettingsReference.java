package dev.nervesys.bootstrap.config;

import dev.nervesys.spi.Declarations;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;

import java.util.stream.Collectors;

/** The reference section of docs/configuration.md, written from the declarations. */
final class SettingsReference {

    static final String BEGIN = "<!-- settings reference: generated from the declarations by SettingDeclarationsTest -->";
    static final String END = "<!-- end of settings reference -->";

    private SettingsReference() {
    }

    static String markdown() {
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        for (SettingGroup g : Declarations.groups()) {
            sb.append("\n### ").append(g.title()).append("\n\n");
            if (!g.page().equals("configuration.md")) {
                sb.append("docs/").append(g.page()).append("\n\n");
            }
            sb.append("| key | default | type | on change | meaning |\n| --- | --- | --- | --- | --- |\n");
            for (Setting s : g.settings()) {
                sb.append("| `").append(s.key()).append("` | ")
                        .append(s.defaultValue().isEmpty() ? "empty" : "`" + s.defaultValue() + "`").append(" | ")
                        .append(type(s)).append(" | ")
                        .append(switch (s.readBy()) {
                            case ROUTES -> "reload";
                            case BEANS -> "restart";
                            case BOOTSTRAP -> "restart (environment, JVM flags)";
                        }).append(" | ")
                        .append(s.description().replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;"));
                if (!s.renamedFrom().isEmpty()) {
                    sb.append(" (formerly ").append(s.renamedFrom().stream()
                            .map(r -> "`" + r.oldKey() + "`" + (r.plainUnit().isEmpty() ? "" : ", plain " + r.plainUnit()))
                            .collect(Collectors.joining("; "))).append(')');
                }
                sb.append(" |\n");
            }
        }
        return sb.append('\n').append(END).toString();
    }

    private static String type(Setting s) {
        return switch (s.type()) {
            case TEXT -> "text";
            case BOOLEAN -> "true/false";
            case BYTES -> "size";
            case DURATION -> "duration";
            case INTEGER -> "whole number" + (s.unit().isEmpty() ? "" : ", " + s.unit());
            case NUMBER -> "number" + (s.unit().isEmpty() ? "" : ", " + s.unit());
        };
    }
}
