package dev.nervesys.common;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import javax.net.ssl.SSLException;

/**
 * TLS of a Netty port (ingest, live; docs/security.md, "TLS"): a PEM certificate chain and a PEM
 * PKCS#8 private key from settings, the key's password from the environment (a secret, never a
 * setting), and optionally a PEM bundle of client CAs, which turns on mutual TLS: a client without
 * a certificate signed by one of them fails the handshake.
 */
public final class ServerTls {

    private ServerTls() {
    }

    /**
     * The PEM files as an in-memory PKCS#12 key store with the alias {@code server} and the key
     * password {@code storePassword}, for servers that take a key store (the management server's
     * Vert.x through Camel's {@code SSLContextParameters}). The key is PKCS#8, plain or encrypted
     * with {@code keyPassword}.
     */
    public static java.security.KeyStore keyStore(String what, String certFile, String keyFile, String keyPassword,
            char[] storePassword) {
        try {
            java.util.List<java.security.cert.Certificate> chain = new java.util.ArrayList<>();
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(certFile.strip()))) {
                chain.addAll(java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + certFile);
            }
            String pem = java.nio.file.Files.readString(java.nio.file.Path.of(keyFile.strip()), java.nio.charset.StandardCharsets.US_ASCII);
            boolean encrypted = pem.contains("BEGIN ENCRYPTED PRIVATE KEY");
            if (!encrypted && !pem.contains("BEGIN PRIVATE KEY")) {
                throw new IllegalArgumentException(keyFile + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert with "
                        + "openssl pkcs8 -topk8");
            }
            byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[^-]+-----", "").strip());
            java.security.spec.PKCS8EncodedKeySpec spec;
            if (encrypted) {
                if (keyPassword == null || keyPassword.isEmpty()) {
                    throw new IllegalArgumentException(keyFile + " is encrypted: its password belongs in the environment");
                }
                javax.crypto.EncryptedPrivateKeyInfo info = new javax.crypto.EncryptedPrivateKeyInfo(der);
                javax.crypto.SecretKeyFactory f = javax.crypto.SecretKeyFactory.getInstance(info.getAlgName());
                javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(info.getAlgName());
                cipher.init(javax.crypto.Cipher.DECRYPT_MODE, f.generateSecret(new javax.crypto.spec.PBEKeySpec(keyPassword.toCharArray())),
                        info.getAlgParameters());
                spec = info.getKeySpec(cipher);
            } else {
                spec = new java.security.spec.PKCS8EncodedKeySpec(der);
            }
            String algorithm = chain.get(0).getPublicKey().getAlgorithm();
            java.security.PrivateKey key = java.security.KeyFactory.getInstance(algorithm).generatePrivate(spec);
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, storePassword, chain.toArray(new java.security.cert.Certificate[0]));
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": cannot use the PEM files " + certFile + ", " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The server context, or null when {@code certFile} is blank (plain HTTP).
     *
     * @param what the port's name, for messages ({@code nervesys.live.tls})
     * @throws IllegalArgumentException when the files are incomplete or unreadable (the message names the setting, never the password)
     */
    public static SslContext server(String what, String certFile, String keyFile, String keyPassword, String clientCaFile) {
        boolean cert = certFile != null && !certFile.isBlank();
        boolean key = keyFile != null && !keyFile.isBlank();
        if (!cert && !key) {
            return null;
        }
        if (cert != key) {
            throw new IllegalArgumentException(what + ".cert and " + what + ".key go together: set both PEM files or neither");
        }
        try {
            SslContextBuilder b = SslContextBuilder.forServer(new File(certFile.strip()), new File(keyFile.strip()),
                    keyPassword == null || keyPassword.isEmpty() ? null : keyPassword);
            if (clientCaFile != null && !clientCaFile.isBlank()) {
                b.trustManager(new File(clientCaFile.strip())).clientAuth(ClientAuth.REQUIRE);
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": cannot use the PEM files " + certFile + ", " + keyFile
                    + (clientCaFile == null || clientCaFile.isBlank() ? "" : ", " + clientCaFile)
                    + " (a certificate chain and a PKCS#8 key, the key's password in the environment): " + e.getMessage(), e);
        }
    }
}
