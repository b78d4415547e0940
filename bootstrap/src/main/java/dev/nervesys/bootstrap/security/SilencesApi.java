package dev.nervesys.bootstrap.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.alerts.AlertService;
import dev.nervesys.alerts.Silence;
import dev.nervesys.alerts.SilenceStore;
import dev.nervesys.bootstrap.console.ConsoleUsers.Role;
import dev.nervesys.spi.ErrorLine;
import dev.nervesys.spi.Sizes;
import dev.nervesys.spi.StatusDatabase;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alert silences on the management port (docs/alerts.md, "Silences"; docs/security.md, "Roles"):
 * <ul>
 * <li>{@code GET /q/nervesys/silences}: the silences in force (any user);</li>
 * <li>{@code POST /q/nervesys/silences} with a JSON body
 * {@code {"match": {"label": "value"}, "for": "2h", "comment": "..."}} ({@code match} may also be a
 * list of {@code "label=value"}): creates one, 201 with it;</li>
 * <li>{@code POST /q/nervesys/silences/<id>/expire}: ends one now, 200 (404 when none is in force).</li>
 * </ul>
 * The two POSTs are operator actions: {@link ManagementGuard} refuses them (403) below the operator
 * role, and this handler checks the role the guard put on the request again. They need
 * {@code Content-Type: application/json}, which a web page cannot send to another site without the
 * browser asking first (no CORS is served here): a logged-in browser cannot be made to silence
 * alerts. The silence goes to table alert_silence of the status database, as
 * {@code nervesys alerts silence} writes it, and the agent applies it at once; each action is
 * logged with the user's name, never a credential.
 */
final class SilencesApi {

    static final String PATH = "/q/nervesys/silences";

    private static final Logger LOG = LoggerFactory.getLogger(SilencesApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 16 * 1024;

    private final CamelContext camel;

    private SilencesApi(CamelContext camel) {
        this.camel = camel;
    }

    /** Whether a request acts on silences (a POST, or any method but GET/HEAD, under {@link #PATH}). */
    static boolean acts(String path, HttpMethod method) {
        boolean under = path != null && (path.equals(PATH) || path.startsWith(PATH + "/"));
        return under && method != HttpMethod.GET && method != HttpMethod.HEAD;
    }

    /** The path of expiring one silence (Vert.x's form: {@code :id} is the silence's id). */
    static final String EXPIRE = PATH + "/:id/expire";

    /**
     * Adds the paths to the management server's router (after the guard, which the server installed
     * first), and registers each, with its methods, among the management server's HTTP endpoints
     * ({@link PlatformHttpComponent#getHttpManagementEndpoints()}), where Camel lists its own
     * (health, metrics, Jolokia, dev consoles) and where the attack suite walks them
     * (docs/security.md): one list of what this serves, for the router and for that walk.
     */
    static void mount(Router router, CamelContext camel) {
        SilencesApi api = new SilencesApi(camel);
        router.route(HttpMethod.GET, PATH).handler(api::list);
        router.route(HttpMethod.POST, PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(api::create);
        router.route(HttpMethod.POST, EXPIRE).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(api::expire);
        PlatformHttpComponent platform = camel.getComponent("platform-http", PlatformHttpComponent.class);
        platform.addHttpManagementEndpoint(PATH, "GET,POST", "application/json", "application/json", null);
        platform.addHttpManagementEndpoint(EXPIRE, "POST", "application/json", "application/json", null);
    }

    private void list(RoutingContext ctx) {
        AlertService alerts = camel.getRegistry().lookupByNameAndType("alerts", AlertService.class);
        if (alerts == null) {
            answer(ctx, 503, Map.of("error", "alerts are off on this agent"));
            return;
        }
        answer(ctx, 200, Map.of("silences", alerts.activeSilences().stream().map(Silence::toMap).toList()));
    }

    private void create(RoutingContext ctx) {
        if (!allowed(ctx)) {
            return;
        }
        Map<String, String> matchers;
        Duration duration;
        String comment;
        try {
            JsonNode body = JSON.readTree(ctx.body().asString());
            if (body == null || !body.isObject()) {
                throw new IllegalArgumentException("the body is not a JSON object");
            }
            matchers = matchers(body.get("match"));
            JsonNode d = body.get("for");
            if (d == null || !d.isTextual()) {
                throw new IllegalArgumentException("\"for\": give how long, e.g. \"30m\", \"2h\", \"1d\"");
            }
            try {
                duration = Sizes.parseDuration(d.asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"for\": " + e.getMessage());
            }
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("\"for\": must be positive, not '" + d.asText() + "'");
            }
            JsonNode c = body.get("comment");
            comment = c == null || c.isNull() ? null : c.asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            answer(ctx, 400, Map.of("error", "the body is not JSON: " + e.getOriginalMessage()));
            return;
        } catch (IllegalArgumentException e) {
            answer(ctx, 400, Map.of("error", String.valueOf(e.getMessage())));
            return;
        }
        String user = ctx.get(ManagementGuard.USER);
        store(ctx, (store, alerts, now) -> {
            Silence s = store.create(matchers, now, duration, user, comment);
            alerts.applySilences(store.list(now, false));
            LOG.info("management: {} created silence {} of {} until {}{} (from {})", user, s.id(), s.matchersText(),
                    s.endsAt(), comment == null ? "" : ", comment '" + comment.replaceAll("\\p{Cntrl}", " ") + "'", ctx.request().remoteAddress());
            return new Answer(201, s.toMap());
        });
    }

    private void expire(RoutingContext ctx) {
        if (!allowed(ctx)) {
            return;
        }
        String id = ctx.pathParam("id");
        String user = ctx.get(ManagementGuard.USER);
        store(ctx, (store, alerts, now) -> {
            if (!store.expire(id, now)) {
                return new Answer(404, Map.of("error", "no silence " + id + " in force"));
            }
            alerts.applySilences(store.list(now, false));
            LOG.info("management: {} expired silence {} (from {})", user, id, ctx.request().remoteAddress());
            return new Answer(200, Map.of("expired", id, "at", now.toString()));
        });
    }

    /** The guard's decision, checked again here: an operator or admin, authenticated. */
    private static boolean allowed(RoutingContext ctx) {
        Role role = ctx.get(ManagementGuard.ROLE);
        if (role == null || !role.atLeast(Role.OPERATOR) || ctx.get(ManagementGuard.USER) == null) {
            answer(ctx, 403, Map.of("error", "creating and expiring silences needs the operator or admin role"));
            return false;
        }
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            answer(ctx, 415, Map.of("error", "send Content-Type: application/json"));
            return false;
        }
        return true;
    }

    static Map<String, String> matchers(JsonNode match) {
        if (match == null || match.isNull()) {
            throw new IllegalArgumentException("\"match\": give the labels to silence, e.g. {\"rule\": \"disk-full\"}");
        }
        if (match.isArray()) {
            List<String> texts = new ArrayList<>();
            match.forEach(m -> texts.add(m.asText()));
            return Silence.parseMatchers(texts);
        }
        if (match.isObject()) {
            Map<String, String> out = new LinkedHashMap<>();
            match.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull() || e.getValue().asText().isBlank()) {
                    throw new IllegalArgumentException("\"match\": the value of " + e.getKey() + " must be a non-empty text");
                }
                out.put(e.getKey(), e.getValue().asText());
            });
            if (out.isEmpty()) {
                throw new IllegalArgumentException("a silence needs at least one matcher label=value");
            }
            return out;
        }
        throw new IllegalArgumentException("\"match\": an object of label: value, or a list of \"label=value\"");
    }

    private record Answer(int status, Object body) {
    }

    private interface Work {
        Answer run(SilenceStore store, AlertService alerts, Instant now) throws Exception;
    }

    /** Runs the work on a worker thread (JDBC blocks) with the status database; a failure is one line, 503. */
    private void store(RoutingContext ctx, Work work) {
        AlertService alerts = camel.getRegistry().lookupByNameAndType("alerts", AlertService.class);
        StatusDatabase db = camel.getRegistry().lookupByNameAndType("statusDatabase", StatusDatabase.class);
        DataSource ds = camel.getRegistry().lookupByNameAndType("heartbeatDataSource", DataSource.class);
        if (alerts == null || db == null || ds == null) {
            answer(ctx, 503, Map.of("error", "alerts or the status database are off on this agent"));
            return;
        }
        ctx.vertx().<Answer>executeBlocking(() -> {
            db.ensureSchema();
            try (Connection c = ds.getConnection()) {
                return work.run(new SilenceStore(c), alerts, alerts.now());
            }
        }, false).onComplete(r -> {
            if (r.succeeded()) {
                answer(ctx, r.result().status(), r.result().body());
            } else {
                String why = r.cause() instanceof java.sql.SQLException e ? ErrorLine.of(e) : String.valueOf(r.cause().getMessage());
                LOG.warn("management: silence action failed: {}", why);
                answer(ctx, 503, Map.of("error", "status database: " + why));
            }
        });
    }

    private static void answer(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended()) {
            return;
        }
        String text;
        try {
            text = JSON.writeValueAsString(body) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            status = 500;
            text = "{\"error\":\"cannot render the answer\"}\n";
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
    }
}
