package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Module switches as commits and pushes to a real bare Git repository (JGit), read back from it. */
class ModuleSwitchesTest {

    @TempDir
    Path tmp;

    private Path bare() throws Exception {
        Path bare = tmp.resolve("repo.git");
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
        Path seed = tmp.resolve("seed");
        try (Git g = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(seed.toFile()).call()) {
            Files.createDirectories(seed.resolve("routes"));
            Files.createDirectories(seed.resolve("config/agents"));
            Files.writeString(seed.resolve("routes/demo.camel.yaml"), "# demo\n");
            Files.writeString(seed.resolve("routes/ingest.camel.yaml"), "# ingest\n");
            Files.writeString(seed.resolve("routes/webconsole.camel.yaml"), "# console\n");
            Files.writeString(seed.resolve("config/application.properties"), "# modules\nnervesys.modules.demo = false\nnervesys.x=1");
            Files.writeString(seed.resolve("config/agents/a1.properties"), "nervesys.modules.ingest=false\n");
            g.add().addFilepattern(".").call();
            g.commit().setMessage("seed").setAuthor("seed", "seed@x").setCommitter("seed", "seed@x").call();
            g.push().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/main")).call();
        }
        return bare;
    }

    private static String file(Repository r, String path) throws Exception {
        try (RevWalk w = new RevWalk(r)) {
            RevCommit c = w.parseCommit(r.resolve("refs/heads/main"));
            try (TreeWalk t = TreeWalk.forPath(r, path, c.getTree())) {
                return t == null ? null : new String(r.open(t.getObjectId(0)).getBytes());
            }
        }
    }

    @Test
    void switchesAreCommitsByTheUserPushedToTheBranch() throws Exception {
        Path bare = bare();
        ModuleSwitches sw = new ModuleSwitches(bare.toUri().toString(), "main", tmp.resolve("work"), "x", null);
        ModuleSwitches.Listing before = sw.list();
        assertThat(before.modules()).extracting(m -> m.get("module")).containsExactly("demo", "ingest", "webconsole");
        assertThat(before.modules().get(0)).containsEntry("all", false).containsEntry("agents", Map.of());
        assertThat(before.modules().get(1)).containsEntry("all", true).containsEntry("agents", Map.of("a1", false));
        // no line for it: an agent's default (spi.Role), off for the console
        assertThat(before.modules().get(2)).containsEntry("all", false);

        String c1 = sw.set("demo", true, List.of("a2", "a3"), "ada");
        String c2 = sw.set("ingest", true, List.of(), "otto");
        assertThat(sw.set("ingest", true, List.of(), "otto")).isNull(); // already so: no empty commit
        try (Git g = Git.open(bare.toFile())) {
            Repository r = g.getRepository();
            assertThat(r.resolve("refs/heads/main").name()).isEqualTo(c2);
            try (RevWalk w = new RevWalk(r)) {
                RevCommit first = w.parseCommit(ObjectId.fromString(c1));
                assertThat(first.getAuthorIdent().getName()).isEqualTo("ada");
                assertThat(first.getShortMessage()).isEqualTo("Switch module demo on for a2, a3");
                assertThat(w.parseCommit(ObjectId.fromString(c2)).getShortMessage()).isEqualTo("Switch module ingest on for all agents");
            }
            assertThat(file(r, "config/agents/a2.properties")).isEqualTo("nervesys.modules.demo=true\n");
            assertThat(file(r, "config/agents/a3.properties")).isEqualTo("nervesys.modules.demo=true\n");
            // the line is replaced in place; comments and other keys stay
            assertThat(file(r, "config/application.properties")).isEqualTo("# modules\nnervesys.modules.demo = false\nnervesys.x=1\nnervesys.modules.ingest=true\n");
        }
        ModuleSwitches.RepoFile props = sw.file("config/application.properties");
        assertThat(props.commit()).isEqualTo(c2);
        assertThat(props.text()).endsWith("nervesys.modules.ingest=true\n");
        assertThat(sw.file("config/alerts.yaml").text()).isNull();
        assertThatThrownBy(() -> sw.file("../../etc/passwd")).hasMessageStartingWith("not a path of the config repo");
        ModuleSwitches.Listing after = sw.list();
        assertThat(after.commit()).isEqualTo(c2);
        assertThat(after.modules().get(0)).containsEntry("agents", Map.of("a2", true, "a3", true));

        // a commit pushed by someone else meanwhile is picked up before the next change
        ModuleSwitches other = new ModuleSwitches(bare.toUri().toString(), "main", tmp.resolve("work2"), "x", null);
        String c3 = other.set("demo", false, List.of("a2"), "bob");
        String c4 = sw.set("demo", true, List.of(), "ada");
        try (Git g = Git.open(bare.toFile()); RevWalk w = new RevWalk(g.getRepository())) {
            assertThat(w.parseCommit(ObjectId.fromString(c4)).getParent(0).name()).isEqualTo(c3);
            assertThat(file(g.getRepository(), "config/application.properties")).contains("nervesys.modules.demo=true\n");
        }
    }

    @Test
    void badRequestsAndAMissingRepoSayWhat() throws Exception {
        ModuleSwitches sw = new ModuleSwitches(bare().toUri().toString(), "main", tmp.resolve("work"), "x", null);
        assertThatThrownBy(() -> sw.set("nope", true, List.of(), "ada")).isInstanceOf(ApiError.class)
                .hasMessage("no module nope in the config repo (routes/nope.camel.yaml)");
        assertThatThrownBy(() -> sw.set("../x", true, List.of(), "ada")).hasMessageContaining("module must be the name of a route file");
        assertThatThrownBy(() -> sw.set("demo", true, List.of("../../etc"), "ada")).hasMessage("not an agent id: ../../etc");
        ModuleSwitches none = new ModuleSwitches(tmp.resolve("missing.git").toUri().toString(), "main", tmp.resolve("w3"), "x", null);
        assertThatThrownBy(none::list).isInstanceOf(ApiError.class).hasMessageStartingWith("cannot read the config repo:");
        assertThat(ModuleSwitches.withSwitch("", "demo", false)).isEqualTo("nervesys.modules.demo=false\n");
        assertThat(ModuleSwitches.withSwitch("a=1", "demo", true)).isEqualTo("a=1\nnervesys.modules.demo=true\n");
        assertThat(ModuleSwitches.withSwitch("nervesys.modules.demo2=true\n", "demo", true))
                .isEqualTo("nervesys.modules.demo2=true\nnervesys.modules.demo=true\n");
    }
}
