package dev.nervesys.bootstrap.cli;

import dev.nervesys.bootstrap.BeanFactory;
import dev.nervesys.bootstrap.config.Settings;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.reload.Problem;
import dev.nervesys.bootstrap.reload.RevisionValidator;
import dev.nervesys.bootstrap.reload.ValidatedRevision;
import dev.nervesys.bootstrap.revision.DirectorySource;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import dev.nervesys.bootstrap.revision.Revision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Checks a config repo checkout offline, exactly as an agent checks a new revision before
 * applying it: for the base settings and for every agent overlay in config/agents/. Independent of
 * the machine's environment, so that a config repo's own CI gets the same answer everywhere.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a config repo checkout (routes/ and config/). Exit 0 when valid, 1 with file:line errors.")
public final class ValidateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "the checkout to check")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(dir)) {
            throw new CliErrors.Failure(CliErrors.FAILED, "no such directory: " + dir + "; give the path of a config repo checkout");
        }
        if (!Files.isDirectory(dir) || !DirectorySource.looksLikeConfigRoot(dir)) {
            throw new CliErrors.Failure(CliErrors.FAILED, dir + ": not a config repo checkout (no routes/ or config/ directory)");
        }
        PrintWriter out = spec.commandLine().getOut();
        Revision revision = new DirectorySource(dir).latest();
        Path tmp = Files.createTempDirectory("nervesys-validate");
        try {
            List<Problem> problems = validate(revision, tmp);
            if (problems.isEmpty()) {
                out.println("OK: " + revision.routeFiles().size() + " route files, "
                        + (revision.agentOverlays().size()) + " agent overlays");
                return 0;
            }
            problems.forEach(out::println);
            out.println(problems.size() + " problem(s)");
            return 1;
        } finally {
            out.flush();
            deleteTree(tmp);
        }
    }

    /** Problems of the revision for the base settings and for each agent overlay, without repeats. */
    public static List<Problem> validate(Revision revision, Path scratch) throws Exception {
        List<String> agents = new ArrayList<>();
        agents.add("");
        agents.addAll(revision.agentOverlays().keySet());
        Set<Problem> problems = new LinkedHashSet<>();
        SettingsResolver base = resolver(scratch, "validate");
        Settings baseSettings;
        try {
            baseSettings = base.resolve(revision);
        } catch (IllegalArgumentException e) {
            return new RevisionValidator(base, Map.of()).validate(revision).problems();
        }
        try (BeanFactory beans = new BeanFactory(baseSettings)) {
            for (String agent : agents) {
                SettingsResolver resolver = resolver(scratch, agent.isEmpty() ? "validate" : agent);
                ValidatedRevision v = new RevisionValidator(resolver, beans.beans()).validate(revision);
                for (Problem p : v.problems()) {
                    problems.add(agent.isEmpty() ? p : new Problem(p.file(), p.line(), p.message() + " (agent " + agent + ")"));
                }
            }
        }
        return List.copyOf(problems);
    }

    private static SettingsResolver resolver(Path scratch, String agentId) {
        Properties flags = new Properties();
        flags.setProperty(Settings.DATA_DIR, scratch.toString());
        flags.setProperty(Settings.AGENT_ID, agentId);
        return new SettingsResolver(EmbeddedSource.defaultProperties(), Map.of(), flags);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
