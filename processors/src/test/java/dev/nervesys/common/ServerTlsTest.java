package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.buffer.DataPathHarness;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.live.LiveAccess;
import dev.nervesys.live.LiveHub;
import dev.nervesys.live.LiveServer;
import dev.nervesys.live.LiveSettings;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the Netty ports (docs/security.md, "TLS") with a self-signed certificate made by the JDK's
 * keytool, written as the PEM files an operator gives: the live port serves HTTPS to a client that
 * trusts the certificate, refuses the handshake to one that does not, and with a client CA set
 * (mutual TLS) to a client without a certificate; ingest takes a write over HTTPS.
 */
class ServerTlsTest {

    private static final String PASS = "changeit";

    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static KeyStore store;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path p12 = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "nervesys", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", PASS, "-keypass", PASS).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(out).isZero();
        store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, PASS.toCharArray());
        }
        Certificate c = store.getCertificate("nervesys");
        PrivateKey k = (PrivateKey) store.getKey("nervesys", PASS.toCharArray());
        cert = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", c.getEncoded()));
        key = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", k.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** A client that trusts the self-signed certificate, and presents it as its own when {@code withCertificate}. */
    private static HttpClient client(boolean withCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", store.getCertificate("nervesys"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (withCertificate) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, PASS.toCharArray());
        }
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).build();
    }

    private static LiveServer live(String clientCa) throws Exception {
        LiveSettings cfg = new LiveSettings("127.0.0.1", 0, 1000, 1L << 20, 16, 50, 1000, 100, 100, 50, 1 << 20);
        LiveServer server = new LiveServer(new LiveHub(cfg, null, "test"), cfg, null, LiveAccess.open(), HttpLimits.NONE,
                ServerTls.server("nervesys.live.tls", cert.toString(), key.toString(), null, clientCa));
        server.start();
        return server;
    }

    @Test
    void theLivePortServesHttpsToAClientThatTrustsItsCertificateOnly() throws Exception {
        LiveServer server = live(null);
        try {
            URI ui = URI.create("https://127.0.0.1:" + server.port() + "/");
            HttpResponse<String> r = client(false).send(HttpRequest.newBuilder(ui).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("<html");
            // the JVM's default trust does not know a self-signed certificate: no handshake
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(ui).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            // nor does plain HTTP get an answer
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/")).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
        } finally {
            server.close();
        }
    }

    @Test
    void withAClientCaOnlyAClientWithACertificateGetsIn() throws Exception {
        LiveServer server = live(cert.toString());
        try {
            URI ui = URI.create("https://127.0.0.1:" + server.port() + "/");
            assertThat(client(true).send(HttpRequest.newBuilder(ui).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            assertThatThrownBy(() -> client(false).send(HttpRequest.newBuilder(ui).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);
        } finally {
            server.close();
        }
    }

    @Test
    void ingestTakesAWriteOverHttps() throws Exception {
        int port = DataPathHarness.freePort();
        TestSettings s = new TestSettings(dir.resolve("agent")).set("nervesys.ingest.port", port)
                .set("nervesys.ingest.host", "127.0.0.1").set("nervesys.ingest.tls.cert", cert.toString())
                .set("nervesys.ingest.tls.key", key.toString());
        try (DataPathHarness agent = new DataPathHarness(s, "ingest.camel.yaml")) {
            HttpResponse<String> r = client(false).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/write?db=d"))
                    .POST(HttpRequest.BodyPublishers.ofString("m v=1\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(agent.buffer().rows()).isEqualTo(1);
        }
    }

    @Test
    void aKeyWithoutACertificateIsABadSetting() {
        assertThatThrownBy(() -> ServerTls.server("nervesys.live.tls", "", key.toString(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("go together");
        assertThatThrownBy(() -> ServerTls.server("nervesys.live.tls", cert.toString(), dir.resolve("nope.pem").toString(), "pw", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nervesys.live.tls").hasMessageNotContaining("pw,");
        assertThat(ServerTls.server("nervesys.live.tls", "", "", null, null)).isNull();
    }
}
