package dev.nervesys.bootstrap.reload;

import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.revision.Revision;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * The outcome of validating a revision for this agent: the route files its module switches
 * enable, which route ids each file defines, and the problems found (empty when valid).
 */
public record ValidatedRevision(Revision revision, Settings settings, SortedMap<String, String> enabledRoutes,
                                Map<String, List<String>> routeIdsByFile, List<Problem> problems) {

    public boolean valid() {
        return problems.isEmpty();
    }

    public String problemsText() {
        return problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
    }
}
