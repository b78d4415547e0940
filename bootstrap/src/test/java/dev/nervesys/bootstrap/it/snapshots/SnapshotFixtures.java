package dev.nervesys.bootstrap.it.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.archive.S3Fixture;
import dev.nervesys.bootstrap.cli.RestoreCommand;
import dev.nervesys.bootstrap.config.SettingsResolver;
import dev.nervesys.bootstrap.revision.EmbeddedSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import picocli.CommandLine;

/** Helpers of the snapshot tests: Git trees as bytes, tar.gz contents, S3 listings, the restore command. */
final class SnapshotFixtures {

    private SnapshotFixtures() {
    }

    /** Environment of an agent (and of the restore command) that uses S3Proxy as its Storj gateway. */
    static Map<String, String> storjEnv(S3Fixture s3) {
        Map<String, String> env = new HashMap<>();
        env.put("STORJ_BUCKET", S3Fixture.BUCKET);
        env.put("STORJ_ENDPOINT", s3.endpoint());
        env.put("STORJ_ACCESS_KEY", S3Fixture.ACCESS);
        env.put("STORJ_SECRET_KEY", S3Fixture.SECRET);
        return env;
    }

    /** Settings that make the snapshot routes quick enough for a test. */
    static String fastSnapshots() {
        return """
                nervesys.snapshots.checkEvery=200ms
                nervesys.snapshots.firstDelay=100ms
                nervesys.snapshots.backoffInitial=200ms
                nervesys.snapshots.backoffMax=400ms
                nervesys.snapshots.backup.checkEvery=300ms
                nervesys.snapshots.backup.firstDelay=100ms
                """;
    }

    static String route(String file) throws IOException {
        return Files.readString(Path.of("../routes").resolve(file));
    }

    /** Every file under routes/ and config/ of a commit of the bare repository, as bytes. */
    static SortedMap<String, byte[]> commitFiles(Path bare, String commitId) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Git git = Git.open(bare.toFile()); RevWalk walk = new RevWalk(git.getRepository());
             ObjectReader reader = git.getRepository().newObjectReader()) {
            Repository repo = git.getRepository();
            RevCommit commit = walk.parseCommit(repo.resolve(commitId));
            try (TreeWalk tree = new TreeWalk(reader)) {
                tree.addTree(commit.getTree());
                tree.setRecursive(true);
                while (tree.next()) {
                    String path = tree.getPathString();
                    if (path.startsWith("routes/") || path.startsWith("config/")) {
                        files.put(path, reader.open(tree.getObjectId(0)).getBytes());
                    }
                }
            }
        }
        return files;
    }

    /** Every regular file below a directory, relative path to bytes. */
    static SortedMap<String, byte[]> dirFiles(Path root) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Entries of a tar.gz, name to bytes, in archive order. */
    static Map<String, byte[]> entries(byte[] tgz) throws IOException {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(tgz)))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    static List<String> keys(S3Fixture s3, String prefix) {
        List<String> keys = new ArrayList<>();
        s3.client.listObjectsV2Paginator(b -> b.bucket(S3Fixture.BUCKET).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
        keys.sort(null);
        return keys;
    }

    static String etag(S3Fixture s3, String key) {
        return s3.client.headObject(b -> b.bucket(S3Fixture.BUCKET).key(key)).eTag();
    }

    record Run(int code, String out, String err) {
        /** A failure is one line of explanation, never a stack trace. */
        Run assertNoStackTrace() {
            assertThat(err).doesNotContain("\tat ").doesNotContain("Exception:").doesNotContain("Caused by");
            return this;
        }
    }

    /** Runs {@code nervesys restore ...} in this JVM with the given environment and -D flags, from an empty directory. */
    static Run restore(Map<String, String> env, Properties flags, Path emptyWorkDir, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new RestoreCommand(new SettingsResolver(EmbeddedSource.defaultProperties(), env, flags),
                emptyWorkDir)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
