package dev.nervesys.bootstrap.revision;

import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.internal.JGitText;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A config repo reached with JGit. The agent keeps a bare mirror of the branch under its data
 * directory and reads revisions straight from commits, never from a work tree: a revision is
 * exactly the commit's content, and any commit fetched before (the last good one in particular)
 * can be rebuilt offline after a restart.
 */
public final class GitSource implements RevisionSource {

    /** The {@code //user:password@} of a URL. */
    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");
    /** The {@code :password} of a URL's {@code //user:password@}. */
    private static final Pattern PASSWORD = Pattern.compile("//([^/@:]*):[^/@]*@");

    private final String uri;
    private final String branch;
    private final String gitUser;
    private final Git git;
    private final UsernamePasswordCredentialsProvider credentials;

    /**
     * @param uri      https://, ssh://, file:// URL or a local path
     * @param branch   branch to follow
     * @param mirror   directory of the local bare mirror (created when missing)
     * @param gitUser  user name sent with the token (GitHub: x-access-token, GitLab: oauth2)
     * @param token    access token for https, or null
     */
    public GitSource(String uri, String branch, Path mirror, String gitUser, String token) throws Exception {
        this.uri = uri;
        this.branch = branch;
        this.gitUser = gitUser;
        this.credentials = token == null || token.isBlank() ? null : new UsernamePasswordCredentialsProvider(gitUser, token);
        if (Files.isDirectory(mirror.resolve("objects"))) {
            this.git = Git.open(mirror.toFile());
        } else {
            Files.createDirectories(mirror);
            this.git = Git.init().setBare(true).setDirectory(mirror.toFile()).setInitialBranch(branch).call();
        }
    }

    private String trackingRef() {
        return "refs/remotes/origin/" + branch;
    }

    @Override
    public Revision latest() throws Exception {
        FetchCommand fetch = git.fetch()
                .setRemote(uri)
                .setRefSpecs(new RefSpec("+refs/heads/" + branch + ":" + trackingRef()))
                .setTimeout(30);
        if (credentials != null) {
            fetch.setCredentialsProvider(credentials);
        }
        try {
            fetch.call();
        } catch (TransportException e) {
            throw explained(e);
        }
        ObjectId head = git.getRepository().resolve(trackingRef());
        if (head == null) {
            throw new IllegalStateException("branch '" + branch + "' not found in " + describe());
        }
        return read(head);
    }

    /**
     * JGit's message (it names the URL without the password) with what to check when the server
     * refused the credentials, or else with the underlying reason JGit keeps in the cause only
     * (for "SSL problems", "connection failed", "cannot open git-upload-pack").
     */
    private TransportException explained(TransportException e) {
        String message = String.valueOf(e.getMessage());
        JGitText text = JGitText.get();
        String hint;
        if (message.endsWith(text.notAuthorized) || message.endsWith(text.noCredentialsProvider)) {
            if (credentials != null) {
                hint = "check NERVESYS_GIT_TOKEN and nervesys.config.gitUser (" + gitUser + ")";
            } else if (USER_INFO.matcher(uri).find()) {
                hint = "check the user and password in nervesys.config.repo";
            } else {
                hint = "set NERVESYS_GIT_TOKEN (sent as user " + gitUser + ", nervesys.config.gitUser)";
            }
        } else {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            hint = root == e || root.getMessage() == null || message.contains(root.getMessage()) ? null
                    : root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        return hint == null ? e
                : new TransportException(PASSWORD.matcher(message + "; " + hint).replaceAll("//$1@"), e);
    }

    @Override
    public Optional<Revision> load(String revisionId) throws IOException {
        ObjectId id;
        try {
            id = git.getRepository().resolve(revisionId + "^{commit}");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return id == null ? Optional.empty() : Optional.of(read(id));
    }

    private Revision read(ObjectId commitId) throws IOException {
        Repository repo = git.getRepository();
        try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
            RevCommit commit = walk.parseCommit(commitId);
            SortedMap<String, String> files = new TreeMap<>();
            try (TreeWalk tree = new TreeWalk(reader)) {
                tree.addTree(commit.getTree());
                tree.setRecursive(true);
                while (tree.next()) {
                    String path = tree.getPathString();
                    if ((path.startsWith("routes/") || path.startsWith("config/"))
                            && tree.getFileMode(0).getObjectType() == Constants.OBJ_BLOB) {
                        byte[] bytes = reader.open(tree.getObjectId(0)).getBytes();
                        files.put(path, new String(bytes, StandardCharsets.UTF_8));
                    }
                }
            }
            return new Revision(commit.getName(), commit.getFullMessage(),
                    Instant.ofEpochSecond(commit.getCommitTime()), files);
        }
    }

    @Override
    public String describe() {
        // strip any user:password@ that someone put into the URL
        return "git " + USER_INFO.matcher(uri).replaceAll("//") + " branch " + branch;
    }

    @Override
    public void close() {
        git.close();
    }
}
