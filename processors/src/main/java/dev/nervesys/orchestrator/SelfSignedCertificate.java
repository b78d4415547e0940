package dev.nervesys.orchestrator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A self-signed certificate for the orchestrator's port (docs/orchestrator.md, "TLS"): an EC P-256
 * key and an X.509 v3 certificate signed with it (SHA256withECDSA), as PEM. The JDK verifies and
 * uses certificates but has no public API to make one (keytool is a separate program a JRE image
 * may lack, BouncyCastle's PKIX part is not in the jar), so the few DER structures of RFC 5280 are
 * written here. Agents do not validate it against a CA or a host name: they pin its SHA-256
 * fingerprint at enrollment, so it needs no subject alternative name and never expires
 * (notAfter 9999-12-31, RFC 5280's "no well-defined expiration date").
 */
final class SelfSignedCertificate {

    /** The certificate and its PKCS#8 key, both PEM. */
    record Pem(String certificate, String key) {
        @Override
        public String toString() {
            return "Pem[key hidden]";
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] OID_EC_SHA256 = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02}; // 1.2.840.10045.4.3.2
    private static final byte[] OID_CN = {0x55, 0x04, 0x03}; // 2.5.4.3

    private SelfSignedCertificate() {
    }

    static Pem create(String commonName, Instant notBefore) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        KeyPair pair = g.generateKeyPair();
        byte[] algorithm = seq(tlv(0x06, OID_EC_SHA256));
        byte[] name = seq(tlv(0x31, seq(tlv(0x06, OID_CN), tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
        byte[] serial = new BigInteger(1, bytes(16)).setBit(126).toByteArray();
        byte[] tbs = seq(
                tlv(0xa0, tlv(0x02, new byte[] {2})),                       // [0] version v3
                tlv(0x02, serial),
                algorithm,
                name,                                                       // issuer = subject
                seq(time(notBefore), tlv(0x18, "99991231235959Z".getBytes(StandardCharsets.US_ASCII))),
                name,
                pair.getPublic().getEncoded());                             // SubjectPublicKeyInfo, DER already
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(pair.getPrivate());
        s.update(tbs);
        byte[] signature = s.sign();                                        // DER ECDSA-Sig-Value
        byte[] bitString = new byte[signature.length + 1];                  // no unused bits
        System.arraycopy(signature, 0, bitString, 1, signature.length);
        byte[] der = seq(tbs, algorithm, tlv(0x03, bitString));
        X509Certificate check = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        check.verify(pair.getPublic());
        return new Pem(pem("CERTIFICATE", der), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    }

    private static byte[] time(Instant t) {
        // UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5)
        java.time.ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        return z.getYear() < 2050
                ? tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII))
                : tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return tlv(0x30, all.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xff);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
