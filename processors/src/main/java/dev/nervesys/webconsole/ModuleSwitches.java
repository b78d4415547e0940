package dev.nervesys.webconsole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.util.FileUtils;

/**
 * Route modules switched on or off as commits to the config repo (docs/console.md, "Modules"):
 * {@code nervesys.modules.<module>=true|false} in config/application.properties (every agent) or
 * in config/agents/<id>.properties (one agent, or each agent of a group), committed with the
 * logged-in user as author and pushed to {@code nervesys.config.branch}, so the fleet picks it up
 * like any other commit and Git history shows who changed what. Works in its own clone under the
 * data dir, reset to the branch's tip before every read and change; one change at a time.
 */
public final class ModuleSwitches {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern AGENT = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final String uri;
    private final String branch;
    private final Path work;
    private final UsernamePasswordCredentialsProvider credentials;

    /** @param uri the config repo (nervesys.config.repo); @param token NERVESYS_GIT_TOKEN or null */
    public ModuleSwitches(String uri, String branch, Path work, String gitUser, String token) {
        this.uri = uri;
        this.branch = branch;
        this.work = work;
        this.credentials = token == null || token.isBlank() ? null : new UsernamePasswordCredentialsProvider(gitUser, token);
    }

    /** What the repo says: its tip, the modules (route files) and their switches. */
    public record Listing(String commit, List<Map<String, Object>> modules) {
    }

    public synchronized Listing list() throws ApiError {
        try (Git git = sync()) {
            String head = git.getRepository().resolve("HEAD").name();
            Map<String, String> all = switches(read("config/application.properties"));
            Map<String, Map<String, String>> perAgent = new TreeMap<>();
            Path agents = work.resolve("config/agents");
            if (Files.isDirectory(agents)) {
                try (Stream<Path> files = Files.list(agents)) {
                    for (Path f : files.sorted().toList()) {
                        String n = f.getFileName().toString();
                        if (n.endsWith(".properties")) {
                            perAgent.put(n.substring(0, n.length() - ".properties".length()), switches(Files.readString(f)));
                        }
                    }
                }
            }
            List<Map<String, Object>> modules = new ArrayList<>();
            for (String m : moduleNames()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("module", m);
                // no line: the agents' default of spi.Role (the orchestrator's modules and the console off)
                boolean byRole = !m.startsWith(dev.nervesys.spi.Role.ORCHESTRATOR) && !m.equals(dev.nervesys.spi.Role.CONSOLE);
                row.put("all", all.containsKey(m) ? !"false".equalsIgnoreCase(all.get(m).trim()) : byRole);
                Map<String, Boolean> overrides = new TreeMap<>();
                perAgent.forEach((agent, sw) -> {
                    if (sw.containsKey(m)) {
                        overrides.put(agent, !"false".equalsIgnoreCase(sw.get(m).trim()));
                    }
                });
                row.put("agents", overrides);
                modules.add(row);
            }
            return new Listing(head, modules);
        } catch (IOException e) {
            throw new ApiError(503, "cannot read the config repo: " + e.getMessage());
        }
    }

    /** A file of the config repo's tip ({@code text} null when the repo has none), with the tip's commit. */
    public record RepoFile(String commit, String path, String text) {
    }

    public synchronized RepoFile file(String path) throws ApiError {
        try (Git git = sync()) {
            Path p = work.resolve(path).normalize();
            if (!p.startsWith(work)) {
                throw new ApiError(400, "not a path of the config repo: " + path);
            }
            return new RepoFile(git.getRepository().resolve("HEAD").name(), path, Files.exists(p) ? Files.readString(p) : null);
        } catch (IOException e) {
            throw new ApiError(503, "cannot read the config repo: " + e.getMessage());
        }
    }

    /**
     * Switches {@code module} on or off for every agent ({@code agents} empty) or for each of
     * {@code agents}; commits as {@code author} and pushes. Returns the commit id, or null when the
     * repo already says so.
     */
    public synchronized String set(String module, boolean on, List<String> agents, String author) throws ApiError {
        if (module == null || !NAME.matcher(module).matches()) {
            throw new ApiError(400, "module must be the name of a route file (routes/<module>.camel.yaml)");
        }
        for (String a : agents) {
            if (!AGENT.matcher(a).matches()) {
                throw new ApiError(400, "not an agent id: " + a);
            }
        }
        try (Git git = sync()) {
            if (!moduleNames().contains(module)) {
                throw new ApiError(404, "no module " + module + " in the config repo (routes/" + module + ".camel.yaml)");
            }
            List<String> files = agents.isEmpty() ? List.of("config/application.properties")
                    : agents.stream().map(a -> "config/agents/" + a + ".properties").toList();
            List<String> changed = new ArrayList<>();
            for (String f : files) {
                String before = read(f);
                String after = withSwitch(before, module, on);
                if (!after.equals(before)) {
                    Path p = work.resolve(f);
                    Files.createDirectories(p.getParent());
                    Files.writeString(p, after, StandardCharsets.UTF_8);
                    git.add().addFilepattern(f).call();
                    changed.add(f);
                }
            }
            if (changed.isEmpty()) {
                return null;
            }
            String scope = agents.isEmpty() ? "all agents" : String.join(", ", agents);
            PersonIdent who = new PersonIdent(author, author + "@nervesys-console");
            RevCommit c = git.commit().setAuthor(who).setCommitter(who)
                    .setMessage("Switch module " + module + " " + (on ? "on" : "off") + " for " + scope
                            + "\n\nMade in the Nervesys console by " + author + ".\nChanged: " + String.join(", ", changed) + "\n")
                    .call();
            var push = git.push().setRemote("origin").add(branch).setTimeout(30);
            if (credentials != null) {
                push.setCredentialsProvider(credentials);
            }
            for (PushResult r : push.call()) {
                for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                    if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                        throw new ApiError(409, "the config repo refused the push (" + u.getStatus()
                                + (u.getMessage() == null ? "" : ": " + u.getMessage()) + "); reload and try again");
                    }
                }
            }
            return c.name();
        } catch (IOException | GitAPIException e) {
            throw new ApiError(503, "cannot change the config repo: " + e.getMessage());
        }
    }

    /** The text with {@code nervesys.modules.<module>} set: the existing line replaced, or one appended. */
    static String withSwitch(String text, String module, boolean on) {
        String line = "nervesys.modules." + module + "=" + on;
        Matcher m = Pattern.compile("(?m)^[ \\t]*nervesys\\.modules\\." + Pattern.quote(module) + "[ \\t]*[=:].*$").matcher(text);
        if (m.find()) {
            return text.substring(0, m.start()) + line + text.substring(m.end());
        }
        return text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + line + "\n";
    }

    private static Map<String, String> switches(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^[ \\t]*nervesys\\.modules\\.([A-Za-z0-9_-]+)[ \\t]*[=:][ \\t]*(.*)$").matcher(text);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private List<String> moduleNames() throws IOException {
        Path routes = work.resolve("routes");
        if (!Files.isDirectory(routes)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(routes)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".camel.yaml"))
                    .map(n -> n.substring(0, n.length() - ".camel.yaml".length())).sorted().toList();
        }
    }

    private String read(String path) throws IOException {
        Path p = work.resolve(path);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** The clone, at the tip of the branch (cloned at first use). */
    private Git sync() throws ApiError {
        if (uri == null || uri.isBlank()) {
            throw new ApiError(503, "module switches need a Git config repo (nervesys.config.repo)");
        }
        try {
            if (!Files.isDirectory(work.resolve(".git"))) {
                if (Files.exists(work)) {
                    FileUtils.delete(work.toFile(), FileUtils.RECURSIVE);
                }
                Files.createDirectories(work.getParent());
                var clone = Git.cloneRepository().setURI(uri).setBranch(branch).setDirectory(work.toFile()).setTimeout(30);
                if (credentials != null) {
                    clone.setCredentialsProvider(credentials);
                }
                return clone.call();
            }
            Git git = Git.open(work.toFile());
            var fetch = git.fetch().setRemote("origin").setTimeout(30);
            if (credentials != null) {
                fetch.setCredentialsProvider(credentials);
            }
            fetch.call();
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef("refs/remotes/origin/" + branch).call();
            git.clean().setCleanDirectories(true).setForce(true).call();
            return git;
        } catch (IOException | GitAPIException e) {
            throw new ApiError(503, "cannot read the config repo: " + e.getMessage());
        }
    }
}
