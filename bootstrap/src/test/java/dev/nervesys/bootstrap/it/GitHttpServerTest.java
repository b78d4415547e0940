package dev.nervesys.bootstrap.it;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.assertj.core.groups.Tuple;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The test Git server itself: both protocol versions, the challenge, and plain request bodies. */
class GitHttpServerTest {

    @TempDir
    Path tmp;

    @Test
    void servesProtocolV0AndV2ToJGit() throws Exception {
        try (ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
             GitHttpServer server = GitHttpServer.http("secret")) {
            String commit = repo.write("routes/a.camel.yaml", "a\n").commit("one");
            server.serve("fleet", repo.bare());
            for (String version : new String[] {"0", "2"}) {
                try (Git mirror = Git.init().setBare(true).setDirectory(tmp.resolve("v" + version).toFile()).call()) {
                    StoredConfig config = mirror.getRepository().getConfig();
                    config.setString("protocol", null, "version", version);
                    config.save();
                    mirror.fetch().setRemote(server.url("fleet"))
                            .setRefSpecs(new RefSpec("+refs/heads/main:refs/remotes/origin/main"))
                            .setCredentialsProvider(new UsernamePasswordCredentialsProvider("u", "secret")).call();
                    assertThat(mirror.getRepository().resolve("refs/remotes/origin/main").getName()).isEqualTo(commit);
                }
            }
            assertThat(server.requests()).extracting(GitHttpServer.Request::gitProtocol).containsOnly(null, "version=2")
                    .contains(null, "version=2");
            assertThat(server.errors()).isEmpty();
        }
    }

    /**
     * Without credentials: 401 and the Basic challenge. With them, a v2 ls-refs whose body is
     * neither gzipped nor chunked (as the git command line sends it) gets its complete answer.
     */
    @Test
    void challengesThenAnswersAPlainLsRefs() throws Exception {
        try (ConfigRepo repo = new ConfigRepo(tmp.resolve("repo"));
             GitHttpServer server = GitHttpServer.http("secret")) {
            String commit = repo.write("routes/a.camel.yaml", "a\n").commit("one");
            server.serve("fleet", repo.bare());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest.Builder lsRefs = HttpRequest.newBuilder(URI.create(server.url("fleet") + "/git-upload-pack"))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/x-git-upload-pack-request")
                    .header("Git-Protocol", "version=2")
                    .POST(HttpRequest.BodyPublishers.ofString("0014command=ls-refs\n0001000csymrefs\n0000"));

            HttpResponse<String> challenge = http.send(lsRefs.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(challenge.statusCode()).isEqualTo(401);
            assertThat(challenge.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"git\"");

            String basic = Base64.getEncoder().encodeToString("u:secret".getBytes(StandardCharsets.UTF_8));
            // a bounded wait: a server that never ends the response would hang send() for good
            HttpResponse<String> refs = http.sendAsync(lsRefs.header("Authorization", "Basic " + basic).build(),
                    HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
            assertThat(refs.statusCode()).isEqualTo(200);
            assertThat(refs.headers().firstValue("Content-Type")).contains("application/x-git-upload-pack-result");
            assertThat(refs.body()).contains(commit + " HEAD symref-target:refs/heads/main\n")
                    .contains(commit + " refs/heads/main\n").endsWith("0000");
            assertThat(server.requests()).extracting(GitHttpServer.Request::user, GitHttpServer.Request::status)
                    .containsExactly(Tuple.tuple(null, 401), Tuple.tuple("u", 200));
        }
    }
}
