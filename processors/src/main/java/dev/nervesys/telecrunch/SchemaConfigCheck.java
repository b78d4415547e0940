package dev.nervesys.telecrunch;

import dev.nervesys.spi.ConfigCheck;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks every TeleCrunch schema of a revision ({@code config/schemas/*.yaml|yml|json}) for
 * {@code nervesys validate} and the reload, with the rules the generator loads them with
 * (docs/telecrunch.md): a schema refused there is refused before it is committed to the fleet.
 */
public final class SchemaConfigCheck implements ConfigCheck {

    @Override
    public List<String> check(Map<String, String> files) {
        List<String> problems = new ArrayList<>();
        new TreeMap<>(files).forEach((path, text) -> {
            if (path.startsWith("config/schemas/") && path.matches(".*\\.(ya?ml|json)")) {
                try {
                    SchemaLoader.parse(text);
                } catch (SchemaException e) {
                    problems.add(path + ": " + e.getMessage());
                }
            }
        });
        return problems;
    }
}
