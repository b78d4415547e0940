package dev.nervesys.orchestrator;

import dev.nervesys.common.PinnedTls;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The orchestrator's self-signed certificate, the pin that names it, and a token that carries the pin. */
class SelfSignedCertificateTest {

    @Test
    void theCertificateIsAValidSelfSignedV3CertificateThatNeverExpires() throws Exception {
        Instant made = Instant.parse("2026-03-01T10:00:00Z");
        SelfSignedCertificate.Pem pem = SelfSignedCertificate.create("nervesys-orchestrator", made);
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.certificate().getBytes(StandardCharsets.US_ASCII)));
        assertThat(c.getVersion()).isEqualTo(3);
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=nervesys-orchestrator");
        assertThat(c.getIssuerX500Principal()).isEqualTo(c.getSubjectX500Principal());
        assertThat(c.getNotBefore().toInstant()).isEqualTo(made);
        assertThat(c.getNotAfter().toInstant()).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        c.verify(c.getPublicKey());
        assertThat(pem.key()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(pem.toString()).doesNotContain("PRIVATE");
        // a date from 2050 is a GeneralizedTime
        X509Certificate late = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(
                SelfSignedCertificate.create("x", Instant.parse("2051-01-01T00:00:00Z")).certificate().getBytes(StandardCharsets.US_ASCII)));
        assertThat(late.getNotBefore().toInstant()).isEqualTo(Instant.parse("2051-01-01T00:00:00Z"));
        // two certificates are two fingerprints
        assertThat(OrchestratorTls.fingerprintOf(pem.certificate()))
                .isNotEqualTo(OrchestratorTls.fingerprintOf(SelfSignedCertificate.create("nervesys-orchestrator", made).certificate()));
    }

    @Test
    void thePinAcceptsItsCertificateOnlyAndTheTokenCarriesIt() throws Exception {
        SelfSignedCertificate.Pem pem = SelfSignedCertificate.create("nervesys-orchestrator", Instant.parse("2026-03-01T10:00:00Z"));
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.certificate().getBytes(StandardCharsets.US_ASCII)));
        String fp = PinnedTls.fingerprint(c);
        assertThat(fp).matches("[0-9a-f]{64}");
        PinnedTls.trustManager(PinnedTls.display(fp)).checkServerTrusted(new X509Certificate[] {c}, "EC");
        String other = "0".repeat(64);
        assertThatThrownBy(() -> PinnedTls.trustManager(other).checkServerTrusted(new X509Certificate[] {c}, "EC"))
                .isInstanceOf(PinnedTls.Mismatch.class)
                .hasMessage("the orchestrator presented the certificate with SHA-256 fingerprint " + PinnedTls.display(fp)
                        + ", not the pinned " + PinnedTls.display(other));
        assertThatThrownBy(() -> PinnedTls.normalize("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64 digits");

        String token = Secrets.newToken();
        String carried = Secrets.withPin(token, fp);
        assertThat(Secrets.tokenSecret(carried)).isEqualTo(token);
        assertThat(Secrets.tokenPin(carried)).isEqualTo(fp);
        assertThat(Secrets.tokenSecret(token)).isEqualTo(token);
        assertThat(Secrets.tokenPin(token)).isNull();
        assertThat(Secrets.withPin(token, null)).isEqualTo(token);

        PinnedTls.pin("https://Orchestrator.example:8443/v1/enroll", fp);
        assertThat(PinnedTls.pinFor("https://orchestrator.example:8443/git/config")).isEqualTo(fp);
        assertThat(PinnedTls.pinFor("https://orchestrator.example/git/config")).isNull();
        assertThat(PinnedTls.pinFor("http://orchestrator.example:8443/git/config")).isNull();
    }
}
