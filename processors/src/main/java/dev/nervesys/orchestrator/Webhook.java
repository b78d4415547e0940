package dev.nervesys.orchestrator;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The upstream push webhook (bean {@code orchestratorWebhook}, {@code POST /v1/webhook}): a push to
 * the config repo makes the mirror check upstream at once instead of at its next poll. GitHub and
 * Gitea sign the body with {@code X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>}, GitLab sends the
 * secret itself as {@code X-Gitlab-Token}; both are compared in constant time with
 * {@value #SECRET_ENV}. Unsigned or badly signed requests get 401; without the secret the webhook
 * is off (404).
 */
public final class Webhook {

    public static final String SECRET_ENV = "NERVESYS_ORCHESTRATOR_WEBHOOK_SECRET";
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

    private final byte[] secret;
    private final ConfigMirror mirror;

    /** @param secret the shared secret, or null (webhook off) */
    public Webhook(String secret, ConfigMirror mirror) {
        this.secret = secret == null || secret.isBlank() ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.mirror = mirror;
    }

    public void push(Exchange ex) throws Exception {
        Message in = ex.getIn();
        byte[] body = in.getBody(byte[].class);
        String signature = in.getHeader("X-Hub-Signature-256", String.class);
        String gitlabToken = in.getHeader("X-Gitlab-Token", String.class);
        String remote = OrchestratorApi.remote(in);
        if (secret == null) {
            OrchestratorApi.error(ex, 404, "the webhook is off: set " + SECRET_ENV + " on the orchestrator");
            return;
        }
        if (!verified(body == null ? new byte[0] : body, signature, gitlabToken)) {
            LOG.warn("Webhook request from {} refused: {}", remote, signature == null && gitlabToken == null ? "unsigned" : "bad signature");
            OrchestratorApi.error(ex, 401, signature == null && gitlabToken == null
                    ? "unsigned: X-Hub-Signature-256 (GitHub, Gitea) or X-Gitlab-Token required"
                    : "bad signature: check the webhook's secret against " + SECRET_ENV);
            return;
        }
        if (!mirror.enabled()) {
            OrchestratorApi.error(ex, 404, "this orchestrator mirrors no config repo (nervesys.orchestrator.upstream is empty)");
            return;
        }
        String commit = mirror.poll();
        Message m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody("{\"commit\":\"" + commit + "\"}");
    }

    boolean verified(byte[] body, String signature, String gitlabToken) throws Exception {
        if (signature != null) {
            if (!signature.startsWith("sha256=")) {
                return false;
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] expected = HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
            return MessageDigest.isEqual(expected, signature.substring(7).trim().toLowerCase(java.util.Locale.ROOT)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        return gitlabToken != null && MessageDigest.isEqual(secret, gitlabToken.getBytes(StandardCharsets.UTF_8));
    }
}
