package dev.nervesys.bootstrap.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A smart-HTTP Git server for tests, fetch only: the JDK's HTTP(S) server in front of JGit's
 * {@link UploadPack}, serving {@code /<name>.git} from bare repositories on disk, behind HTTP Basic
 * authentication with one password (the token; any user name is accepted, as GitHub does). Every
 * request is recorded (path, user, whether the password matched, status) for the tests to check.
 *
 * <p>Protocol: {@code GET /<name>.git/info/refs?service=git-upload-pack} answers the ref (protocol
 * v0) or capability (v2, when the client's {@code Git-Protocol} header asks for {@code version=2})
 * advertisement; {@code POST /<name>.git/git-upload-pack} runs one stateless upload-pack exchange
 * (negotiation and pack in v0; one {@code ls-refs} or {@code fetch} command in v2). Dumb HTTP and
 * push (receive-pack) are not served.
 */
public final class GitHttpServer implements AutoCloseable {

    /** One request as the server saw it; {@code user} is null when no credentials were sent. */
    public record Request(String method, String path, String query, String gitProtocol, String contentEncoding,
                          String user, boolean passwordMatched, int status) {
    }

    public static final String STORE_PASSWORD = "changeit";
    private static final Pattern PATH = Pattern.compile("/([A-Za-z0-9._-]+)\\.git/(info/refs|git-upload-pack)");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "git-http-server");
        t.setDaemon(true);
        return t;
    });
    private final String password;
    private final Path trustStore;
    private final Map<String, Repository> repos = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Exception> errors = new CopyOnWriteArrayList<>();

    private GitHttpServer(HttpServer server, String password, Path trustStore) {
        this.server = server;
        this.password = password;
        this.trustStore = trustStore;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Plain HTTP on 127.0.0.1 and a free port. */
    public static GitHttpServer http(String password) throws IOException {
        return new GitHttpServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), password, null);
    }

    /**
     * HTTPS on 127.0.0.1 with a self-signed certificate (for 127.0.0.1 and localhost) made by the
     * JDK's keytool in {@code dir}, which also gets {@code truststore.p12}: the certificate alone,
     * what an operator would give the agent's JVM with {@code -Djavax.net.ssl.trustStore}.
     */
    public static GitHttpServer https(Path dir, String password) throws Exception {
        Files.createDirectories(dir);
        Path keyStore = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "git", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        KeyStore keys = load(keyStore);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("nervesys-test-git", keys.getCertificate("git"));
        Path trustStore = dir.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, STORE_PASSWORD.toCharArray());
        }

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, STORE_PASSWORD.toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        return new GitHttpServer(server, password, trustStore);
    }

    private static void keytool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    /** The trust store holding the server's certificate (HTTPS only). */
    public Path trustStore() {
        return trustStore;
    }

    /** A TLS context trusting the server's certificate and nothing else (HTTPS only). */
    public SSLContext trustingContext() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(trustStore));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** Serves the bare repository {@code bare} as {@code /<name>.git}. */
    public GitHttpServer serve(String name, Path bare) throws IOException {
        repos.put(name, new FileRepositoryBuilder().setGitDir(bare.toFile()).setMustExist(true).build());
        return this;
    }

    /** {@code http(s)://127.0.0.1:<port>/<name>.git}, optionally with {@code userInfo@}. */
    public String url(String name, String userInfo) {
        return (trustStore == null ? "http" : "https") + "://" + (userInfo == null ? "" : userInfo + "@")
                + "127.0.0.1:" + server.getAddress().getPort() + "/" + name + ".git";
    }

    public String url(String name) {
        return url(name, null);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** What failed while serving (a broken upload-pack exchange, say); empty when all went well. */
    public List<Exception> errors() {
        return List.copyOf(errors);
    }

    private void handle(HttpExchange ex) throws IOException {
        String user = null;
        boolean matched = false;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            user = colon < 0 ? decoded : decoded.substring(0, colon);
            matched = colon >= 0 && decoded.substring(colon + 1).equals(password);
        }
        String u = user;
        boolean ok = matched;
        // recorded as the status is sent, before the body: a client done reading finds it here
        Status status = code -> requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                ex.getRequestURI().getQuery(), ex.getRequestHeaders().getFirst("Git-Protocol"),
                ex.getRequestHeaders().getFirst("Content-Encoding"), u, ok, code));
        try {
            respond(ex, matched, status);
        } catch (IOException | RuntimeException e) {
            errors.add(e);
            try {
                ex.sendResponseHeaders(500, -1);
                status.sent(500);
            } catch (IOException | RuntimeException alreadySent) {
                // the response had begun: the client sees a broken stream
            }
        } finally {
            ex.close();
        }
    }

    private interface Status {
        void sent(int code);
    }

    private static void send(HttpExchange ex, Status status, int code, long length) throws IOException {
        status.sent(code);
        ex.sendResponseHeaders(code, length);
    }

    private void respond(HttpExchange ex, boolean authorized, Status status) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (!authorized) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"git\"");
            send(ex, status, 401, -1);
            return;
        }
        Matcher m = PATH.matcher(ex.getRequestURI().getPath());
        Repository repo = m.matches() ? repos.get(m.group(1)) : null;
        if (repo == null) {
            send(ex, status, 404, -1);
            return;
        }
        UploadPack up = new UploadPack(repo);
        up.setBiDirectionalPipe(false);
        String protocol = ex.getRequestHeaders().getFirst("Git-Protocol");
        if (protocol != null) {
            up.setExtraParameters(Arrays.asList(protocol.split(":")));
        }
        if (m.group(2).equals("info/refs") && ex.getRequestMethod().equals("GET")) {
            if (!"service=git-upload-pack".equals(ex.getRequestURI().getQuery())) {
                send(ex, status, 403, -1); // dumb HTTP, or push
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-git-upload-pack-advertisement");
            send(ex, status, 200, 0);
            try (OutputStream body = ex.getResponseBody()) {
                // v0: "# service=git-upload-pack", flush, refs; v2: "version 2" and capabilities only
                up.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(new PacketLineOut(body)), "git-upload-pack");
            } finally {
                up.getRevWalk().close();
            }
            return;
        }
        if (m.group(2).equals("git-upload-pack") && ex.getRequestMethod().equals("POST")) {
            if (!"application/x-git-upload-pack-request".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                send(ex, status, 415, -1);
                return;
            }
            // read whole: UploadPack skips to the end of the request, and the JDK 17 server's
            // request stream skips past the body into the connection (only read() is bounded)
            InputStream in = new ByteArrayInputStream(ex.getRequestBody().readAllBytes());
            String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
            if ("gzip".equals(encoding) || "x-gzip".equals(encoding)) {
                in = new GZIPInputStream(in);
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-git-upload-pack-result");
            send(ex, status, 200, 0);
            try (OutputStream body = ex.getResponseBody()) {
                up.upload(in, body, null);
            }
            return;
        }
        send(ex, status, 405, -1);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        repos.values().forEach(Repository::close);
    }
}
