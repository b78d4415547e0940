package dev.nervesys.bootstrap.it;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real Git config repo for tests: a bare repository (the "remote") and a clone to commit from. */
public final class ConfigRepo implements AutoCloseable {

    private final Path bare;
    private final Path work;
    private final Git git;

    public ConfigRepo(Path dir) throws Exception {
        this.bare = dir.resolve("nervesys.git");
        this.work = dir.resolve("work");
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
        this.git = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(work.toFile()).call();
        git.checkout().setOrphan(true).setName("main").call();
    }

    public String uri() {
        return bare.toUri().toString();
    }

    /** The bare repository, to serve over HTTP. */
    public Path bare() {
        return bare;
    }

    public ConfigRepo write(String path, String content) throws Exception {
        Path p = work.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return this;
    }

    /** Writes these files as they are in this project's own routes/ and config/ (the real ones). */
    public ConfigRepo copyFromProject(String... paths) throws Exception {
        Path root = projectRoot();
        for (String path : paths) {
            write(path, Files.readString(root.resolve(path), StandardCharsets.UTF_8));
        }
        return this;
    }

    /** The checkout the tests run in (the processors tests find it the same way). */
    public static Path projectRoot() {
        return dev.nervesys.buffer.DataPathHarness.routesDir().getParent();
    }

    public ConfigRepo delete(String path) throws Exception {
        Files.deleteIfExists(work.resolve(path));
        return this;
    }

    /** Commits everything and pushes to the bare repository; returns the commit id. */
    public String commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        git.add().addFilepattern(".").setUpdate(true).call();
        RevCommit c = git.commit().setMessage(message).setAuthor("test", "test@example.com")
                .setCommitter("test", "test@example.com").setAllowEmpty(true).call();
        git.push().setRemote("origin").add("main").call();
        return c.getName();
    }

    @Override
    public void close() {
        git.close();
    }
}
