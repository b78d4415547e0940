package dev.nervesys.orchestrator;

import dev.nervesys.spi.StatusReporter;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectIdRef;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Git fan-out (bean {@code orchestratorMirror}): one bare mirror of the fleet's config repo branch
 * under {@code <dataDir>/orchestrator/config.git}, served to enrolled agents with Git's smart HTTP
 * protocol (stateless RPC, protocol v0) at {@code /git/config}, so that an agent's ordinary Git
 * source fetches from the orchestrator with its own credential and never from upstream.
 *
 * <p>Upstream is checked every {@code nervesys.orchestrator.upstreamPoll} with a ref listing
 * ({@code ls-remote}); a fetch runs only when the branch moved. JGit's own upload-pack
 * ({@link UploadPack}) answers the agents; it is driven from the netty-http route instead of
 * JGit's GitServlet, which needs a servlet container the agent does not have. An idle agent costs
 * one small ref advertisement per poll and one indexed credential lookup.
 *
 * <p>A revoked agent gets an {@code ERR} line in the ref advertisement, which Git clients show as
 * the remote's error ("agent … was revoked …"); an unknown credential gets 401.
 */
public final class ConfigMirror implements StatusReporter, AutoCloseable {

    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");

    private final String upstream;
    private final String branch;
    private final Path dir;
    private final UsernamePasswordCredentialsProvider credentials;
    private final OrchestratorStore store;
    private final Rollouts rollouts;
    private final Clock clock;
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private volatile Repository repo;
    private volatile String lastError;
    private volatile String lastCheck;
    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PackCache packs = new PackCache();

    public ConfigMirror(OrchestratorSettings settings, Path dir, String token, OrchestratorStore store, Rollouts rollouts,
                        Clock clock) {
        this.upstream = settings.upstream().isEmpty() || settings.upstream().contains("://") ? settings.upstream()
                : Path.of(settings.upstream()).toAbsolutePath().toString();
        this.branch = settings.upstreamBranch();
        this.dir = dir;
        this.credentials = token == null || token.isBlank() ? null
                : new UsernamePasswordCredentialsProvider(settings.upstreamUser(), token);
        this.store = store;
        this.rollouts = rollouts;
        this.clock = clock;
    }

    /** Whether an upstream is configured (else agents get no config from the orchestrator). */
    public boolean enabled() {
        return !upstream.isEmpty();
    }

    public String branch() {
        return branch;
    }

    private String ref() {
        return "refs/heads/" + branch;
    }

    private synchronized Repository repo() throws Exception {
        if (repo == null) {
            if (Files.isDirectory(dir.resolve("objects"))) {
                repo = Git.open(dir.toFile()).getRepository();
            } else {
                Files.createDirectories(dir);
                repo = Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch(branch).call().getRepository();
            }
        }
        return repo;
    }

    /**
     * Checks upstream and fetches when the branch moved (route orchestrator-mirror-poll).
     *
     * @return the mirrored commit id, or null when upstream has no such branch
     */
    public synchronized String poll() throws Exception {
        if (!enabled()) {
            return null;
        }
        Repository r = repo();
        checks.incrementAndGet();
        lastCheck = clock.instant().toString();
        try {
            var ls = Git.lsRemoteRepository().setRemote(upstream).setHeads(true).setTimeout(30);
            if (credentials != null) {
                ls.setCredentialsProvider(credentials);
            }
            Ref remote = ls.callAsMap().get(ref());
            if (remote == null) {
                throw new IllegalStateException("branch '" + branch + "' not found in " + describe());
            }
            Ref local = r.exactRef(ref());
            if (local == null || !remote.getObjectId().equals(local.getObjectId())) {
                try (Git git = new Git(r)) {
                    var fetch = git.fetch().setRemote(upstream).setRefSpecs(new RefSpec("+" + ref() + ":" + ref())).setTimeout(30);
                    if (credentials != null) {
                        fetch.setCredentialsProvider(credentials);
                    }
                    fetch.call();
                }
                fetches.incrementAndGet();
            }
            head = remote.getObjectId().name();
            rollouts.observed(remote.getObjectId().name());
            lastError = null;
            if (local == null || !remote.getObjectId().equals(local.getObjectId())) {
                packs.clear();
                listeners.forEach(Runnable::run);
            }
            return remote.getObjectId().name();
        } catch (Exception e) {
            lastError = USER_INFO.matcher(e.getClass().getSimpleName() + ": " + e.getMessage()).replaceAll("//");
            throw e;
        }
    }

    /** Runs {@code listener} after every poll that moved the mirrored branch (LongPoll wakes its waiting agents). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Upstream's URL without any user:password@. */
    public String describe() {
        return USER_INFO.matcher(upstream).replaceAll("//");
    }

    /**
     * The mirrored commit id, or null before the first fetch. Kept in memory: only {@link #poll}
     * moves the mirror's branch (resolving the ref with JGit took an eighth of the orchestrator's
     * CPU samples during a 10,000-agent push, docs/benchmarks.md).
     */
    public String commit() throws Exception {
        String h = head;
        if (h != null) {
            return h;
        }
        synchronized (this) {
            ObjectId id = repo().resolve(ref());
            head = id == null ? null : id.name();
            return head;
        }
    }

    private volatile String head;

    /**
     * {@code GET /git/config/info/refs?service=git-upload-pack} and {@code POST /git/config/git-upload-pack}
     * (route orchestrator-git).
     */
    public void serve(Exchange ex) throws Exception {
        Message in = ex.getIn();
        String path = URI.create(String.valueOf(in.getHeader(Exchange.HTTP_URI))).getPath();
        String query = in.getHeader(Exchange.HTTP_QUERY, String.class);
        String method = in.getHeader(Exchange.HTTP_METHOD, String.class);
        HttpAuth auth = HttpAuth.of(in.getHeader("Authorization"));
        String encoding = in.getHeader("Content-Encoding", String.class);
        byte[] body = in.getBody(byte[].class);
        Message out = ex.getMessage();
        out.removeHeaders("*");
        boolean infoRefs = path.equals(OrchestratorApi.GIT_PATH + "/info/refs");
        boolean uploadPack = path.equals(OrchestratorApi.GIT_PATH + "/git-upload-pack");
        if (!infoRefs && !uploadPack) {
            OrchestratorApi.error(ex, 404, "no such path: the config repo is served at " + OrchestratorApi.GIT_PATH);
            return;
        }
        if (infoRefs && (query == null || !query.contains("service=git-upload-pack"))) {
            OrchestratorApi.error(ex, 403, "only fetching is served (service=git-upload-pack, Git smart HTTP)");
            return;
        }
        if (!enabled()) {
            OrchestratorApi.error(ex, 404, "this orchestrator mirrors no config repo (nervesys.orchestrator.upstream is empty)");
            return;
        }
        if (auth == null) {
            OrchestratorApi.error(ex, 401, "agent credential required (basic auth: agent id and credential)");
            ex.getMessage().setHeader("WWW-Authenticate", HttpAuth.CHALLENGE);
            return;
        }
        String agentId;
        try {
            agentId = store.authenticate(auth.user(), auth.password()).agentId();
        } catch (Refused r) {
            if (r.status() == 403 && infoRefs) {
                // Git clients show an ERR line of the advertisement as the remote's own error message
                advertisement(ex, pkt -> pkt.writeString("ERR " + r.getMessage() + "\n"));
                return;
            }
            OrchestratorApi.error(ex, r.status(), r.getMessage());
            if (r.status() == 401) {
                ex.getMessage().setHeader("WWW-Authenticate", HttpAuth.CHALLENGE);
            }
            return;
        } catch (SQLException e) {
            OrchestratorApi.error(ex, 503, "orchestrator database unavailable, try again later");
            return;
        }
        if (commit() == null) {
            poll();
        }
        served.incrementAndGet();
        String target = rollouts.commitFor(agentId);
        String tip = target != null ? target : commit();
        if (infoRefs) {
            byte[] advertised = packs.answer(tip, null, () -> {
                UploadPack up = uploadPack(target);
                return advertisement(pkt -> up.sendAdvertisedRefs(new RefAdvertiser.PacketLineOutRefAdvertiser(pkt)));
            });
            advertisement(ex, advertised);
            return;
        }
        InputStream in0 = new ByteArrayInputStream(body == null ? new byte[0] : body);
        byte[] request = (encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("gzip")
                ? new GZIPInputStream(in0) : in0).readAllBytes();
        byte[] result = packs.answer(tip, request, () -> {
            ByteArrayOutputStream pack = new ByteArrayOutputStream();
            uploadPack(target).upload(new ByteArrayInputStream(request), pack, null);
            return pack.toByteArray();
        });
        Message m = ex.getMessage();
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/x-git-upload-pack-result");
        m.setHeader("Cache-Control", "no-cache");
        m.setBody(result);
    }

    /**
     * JGit's upload-pack on the mirror. {@code target}: the commit this agent is to see as the branch
     * head (a staged rollout serves canaries the new commit and the others the previous one), or
     * null for the mirror's own head. The mirror holds both, the previous being an ancestor.
     */
    private UploadPack uploadPack(String target) throws Exception {
        UploadPack up = new UploadPack(repo());
        up.setBiDirectionalPipe(false);
        up.setTimeout(60);
        if (target != null) {
            Ref head = new ObjectIdRef.PeeledNonTag(Ref.Storage.PACKED, ref(), ObjectId.fromString(target));
            up.setRefFilter(refs -> Map.of(ref(), head));
        }
        return up;
    }

    private interface Advertise {
        void to(PacketLineOut pkt) throws IOException;
    }

    private static byte[] advertisement(Advertise advertise) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PacketLineOut pkt = new PacketLineOut(buf);
        pkt.writeString("# service=git-upload-pack\n");
        pkt.end();
        advertise.to(pkt);
        return buf.toByteArray();
    }

    private static void advertisement(Exchange ex, Advertise advertise) throws IOException {
        advertisement(ex, advertisement(advertise));
    }

    private static void advertisement(Exchange ex, byte[] body) {
        Message m = ex.getMessage();
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/x-git-upload-pack-advertisement");
        m.setHeader("Cache-Control", "no-cache");
        m.setBody(body);
    }

    @Override
    public String statusName() {
        return "orchestrator";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("upstream", enabled() ? describe() : "");
        out.put("branch", branch);
        try {
            out.put("mirroredCommit", enabled() ? String.valueOf(commit()) : "");
        } catch (Exception e) {
            out.put("mirroredCommit", "unreadable: " + e.getMessage());
        }
        out.put("upstreamChecks", checks.get());
        out.put("upstreamFetches", fetches.get());
        out.put("agentRequests", served.get());
        out.put("packCacheHits", packs.hits());
        out.put("packCacheMisses", packs.misses());
        out.put("cachesLive", store.feed().live());
        out.put("credentialReads", store.credentialReads());
        out.put("rolloutStateReads", rollouts.stateReads());
        out.put("lastUpstreamCheck", lastCheck == null ? "" : lastCheck);
        if (lastError != null) {
            out.put("upstreamError", lastError);
        }
        return out;
    }

    /** Upstream fetches so far (a figure for tests and the benchmark: one per new commit). */
    public long fetches() {
        return fetches.get();
    }

    @Override
    public synchronized void close() {
        if (repo != null) {
            repo.close();
        }
    }
}
