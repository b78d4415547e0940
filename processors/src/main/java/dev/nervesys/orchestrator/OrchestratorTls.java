package dev.nervesys.orchestrator;

import dev.nervesys.common.PinnedTls;
import dev.nervesys.common.ServerTls;
import dev.nervesys.spi.AgentSettings;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.apache.camel.component.netty.ChannelHandlerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;

/**
 * TLS of the orchestrator's port (bean {@code orchestratorTls}, docs/orchestrator.md, "TLS"): every
 * netty-http consumer of routes/orchestrator.camel.yaml names it in {@code decoders}, and it puts
 * Netty's TLS handler first in each connection's pipeline (netty-http's own SSL options want a key
 * store; the operator's files are PEM, as on the ingest and live ports). The certificate is
 * <ul>
 * <li>the operator's ({@code nervesys.orchestrator.tls.cert}/{@code .key}, the key's password in
 * {@value OrchestratorSettings#TLS_KEY_PASSWORD_ENV}), or</li>
 * <li>with {@code nervesys.orchestrator.tls.selfSigned=true}, one made at the first start and kept in
 * PostgreSQL (table orchestrator_tls): the first orchestrator to start inserts it, the others read
 * it, so all of them behind a load balancer present the same certificate and an agent's one pin
 * fits every one. Chosen over the data dir for that reason.</li>
 * </ul>
 * Neither: plain HTTP (the handler does nothing). Agents pin the certificate's SHA-256 fingerprint
 * ({@link #fingerprint()}), which {@code nervesys token create} prints and puts in the token.
 */
@ChannelHandler.Sharable
public final class OrchestratorTls extends ChannelHandlerAdapter implements ChannelHandlerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorTls.class);
    static final String COMMON_NAME = "nervesys-orchestrator";

    private final SslContext context;
    private final String fingerprint;

    private OrchestratorTls(SslContext context, String fingerprint) {
        this.context = context;
        this.fingerprint = fingerprint;
    }

    /** Plain HTTP. */
    static OrchestratorTls off() {
        return new OrchestratorTls(null, null);
    }

    /**
     * The port's TLS from the settings: the operator's PEM files, else the self-signed certificate of
     * the database (made now if no orchestrator made it yet), else off.
     *
     * @throws IllegalArgumentException for unusable files or settings (the message names them)
     */
    public static OrchestratorTls from(AgentSettings s, OrchestratorStore store, Clock clock) {
        String cert = s.get(OrchestratorSettings.TLS_CERT);
        String key = s.get(OrchestratorSettings.TLS_KEY);
        SslContext operator = ServerTls.server("nervesys.orchestrator.tls", cert, key,
                s.secret(OrchestratorSettings.TLS_KEY_PASSWORD_ENV).orElse(null), null);
        if (operator != null) {
            String fp = fingerprintOfPem(Path.of(cert.strip()));
            LOG.info("Orchestrator port: TLS with the certificate of {} (SHA-256 {})", cert.strip(), PinnedTls.display(fp));
            return new OrchestratorTls(operator, fp);
        }
        if (!s.getBoolean(OrchestratorSettings.TLS_SELF_SIGNED)) {
            return off();
        }
        try {
            SelfSignedCertificate.Pem pem = selfSigned(store, clock);
            SslContext ctx = SslContextBuilder.forServer(
                    new ByteArrayInputStream(pem.certificate().getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(pem.key().getBytes(StandardCharsets.US_ASCII))).build();
            String fp = fingerprintOf(pem.certificate());
            LOG.info("Orchestrator port: TLS with the orchestrators' self-signed certificate (SHA-256 {})", PinnedTls.display(fp));
            return new OrchestratorTls(ctx, fp);
        } catch (SQLException e) {
            throw new IllegalStateException("nervesys.orchestrator.tls.selfSigned: cannot read or store the certificate in "
                    + "PostgreSQL: " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("nervesys.orchestrator.tls.selfSigned: " + e.getMessage(), e);
        }
    }

    /** True when the port speaks TLS. */
    public boolean enabled() {
        return context != null;
    }

    /** SHA-256 of the certificate presented (hex), or null without TLS. */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                // added while netty-http builds the pipeline, before a byte is read: the whole connection is TLS
                if (context != null && ctx.pipeline().get("ssl") == null) {
                    ctx.pipeline().addFirst("ssl", context.newHandler(ctx.alloc()));
                }
                ctx.pipeline().remove(this);
            }
        };
    }

    /** The self-signed certificate every orchestrator on the database presents; the first to ask makes it. */
    static SelfSignedCertificate.Pem selfSigned(OrchestratorStore store, Clock clock)
            throws SQLException, java.security.GeneralSecurityException {
        SelfSignedCertificate.Pem stored = stored(store);
        if (stored != null) {
            return stored;
        }
        SelfSignedCertificate.Pem made = SelfSignedCertificate.create(COMMON_NAME, clock.instant());
        try (Connection c = store.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO orchestrator_tls (id, cert_pem, key_pem, fingerprint, created_at) "
                     + "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            ps.setString(1, made.certificate());
            ps.setString(2, made.key());
            ps.setString(3, fingerprintOf(made.certificate()));
            ps.setTimestamp(4, Timestamp.from(clock.instant()));
            if (ps.executeUpdate() == 1) {
                store.audit(c, "tls-certificate", null, null, null, null, "self-signed certificate made, SHA-256 "
                        + PinnedTls.display(fingerprintOf(made.certificate())));
            }
        }
        return stored(store); // another orchestrator's, when it inserted first
    }

    private static SelfSignedCertificate.Pem stored(OrchestratorStore store) throws SQLException {
        try (Connection c = store.connection();
             PreparedStatement ps = c.prepareStatement("SELECT cert_pem, key_pem FROM orchestrator_tls WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new SelfSignedCertificate.Pem(rs.getString(1), rs.getString(2)) : null;
        }
    }

    /** The fingerprint of the self-signed certificate stored in the database, or null when no orchestrator made one (token create). */
    public static String storedFingerprint(OrchestratorStore store) throws SQLException {
        try (Connection c = store.connection();
             PreparedStatement ps = c.prepareStatement("SELECT fingerprint FROM orchestrator_tls WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The fingerprint of the first certificate of a PEM file (the operator's certificate chain). */
    public static String fingerprintOfPem(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return PinnedTls.fingerprint(CertificateFactory.getInstance("X.509").generateCertificate(in));
        } catch (java.io.IOException | java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("cannot read the certificate " + pem + ": " + e.getMessage(), e);
        }
    }

    static String fingerprintOf(String pem) {
        try {
            return PinnedTls.fingerprint((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
