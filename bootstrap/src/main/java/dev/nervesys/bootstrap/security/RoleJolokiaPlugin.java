package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.console.ConsoleUsers.Role;
import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.Utils;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.support.service.ServiceSupport;
import org.jolokia.json.JSONStructure;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.JolokiaServiceManagerFactory;
import org.jolokia.server.core.service.api.JolokiaServiceManager;
import org.jolokia.server.core.service.api.LogHandler;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.service.jmx.LocalRequestHandler;
import org.jolokia.service.serializer.JolokiaSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.RuntimeMBeanException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Jolokia on the management server with a policy per role, bound in the registry under the id
 * {@code jolokia} (where Camel's plugin registry looks before its own default). Two Jolokia agents
 * share the MBean server: one with {@code jolokia-access.xml} (viewers and operators: read, list,
 * search, version and the read-only operations Hawtio's views call) and one with
 * {@code jolokia-access-admin.xml} (admins: any operation and attribute write, except what that
 * policy denies to everyone). Each request goes to the agent of the role {@link ManagementGuard}
 * put in the routing context; a request without one is a viewer's. The policies decide, not this
 * class: it never parses a Jolokia request.
 *
 * <p>Both agents are made on the first request to {@code /observe/jolokia}, not at start: Jolokia,
 * its JSON and the JDK's XML parser (for the policies) are about 350 classes an idle agent never
 * needs (docs/benchmarks.md, "Footprint"). At start only the policies' presence on the class path
 * is checked, so a jar without them still refuses to start.
 */
public final class RoleJolokiaPlugin extends ServiceSupport implements JolokiaPlatformHttpPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(RoleJolokiaPlugin.class);

    static final String VIEWER_POLICY = "classpath:/jolokia-access.xml";
    static final String ADMIN_POLICY = "classpath:/jolokia-access-admin.xml";

    private CamelContext camelContext;
    private final LazyAgent viewer = new LazyAgent(VIEWER_POLICY, "viewer");
    private final LazyAgent admin = new LazyAgent(ADMIN_POLICY, "admin");
    private final Handler<RoutingContext> handler = ctx -> {
        Role role = ctx.get(ManagementGuard.ROLE);
        (role != null && role.atLeast(Role.ADMIN) ? admin : viewer).handle(ctx);
    };

    @Override
    public String getId() {
        return NAME;
    }

    @Override
    public Object getHandler() {
        return handler;
    }

    @Override
    protected void doStart() {
        for (String policy : new String[] {VIEWER_POLICY, ADMIN_POLICY}) {
            if (RoleJolokiaPlugin.class.getResource(policy.substring("classpath:".length())) == null) {
                // without a policy Jolokia allows everything: never run like that
                throw new IllegalStateException("Jolokia policy " + policy + " missing from the class path");
            }
        }
    }

    @Override
    protected void doStop() {
        viewer.stop();
        admin.stop();
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** An {@link Agent} made and started on its first request, stopped with the plugin if it was made. */
    private static final class LazyAgent {
        private final String policy;
        private final String name;
        private Agent agent;

        LazyAgent(String policy, String name) {
            this.policy = policy;
            this.name = name;
        }

        void handle(RoutingContext ctx) {
            Agent a;
            try {
                a = agent();
            } catch (RuntimeException e) {
                LOG.error("Jolokia ({}) cannot start: {}", name, e.getMessage(), e);
                ctx.response().setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end("Jolokia unavailable\n");
                return;
            }
            a.handle(ctx);
        }

        private synchronized Agent agent() {
            if (agent == null) {
                Agent a = new Agent(policy, name);
                a.start();
                agent = a;
            }
            return agent;
        }

        synchronized void stop() {
            if (agent != null) {
                agent.stop();
                agent = null;
            }
        }
    }

    /** One Jolokia agent with its policy; answers GET and POST requests like Camel's default plugin. */
    private static final class Agent {
        private final JolokiaServiceManager manager;
        private volatile HttpRequestHandler requests;

        Agent(String policy, String name) {
            StaticConfiguration config = new StaticConfiguration(ConfigKey.AGENT_ID, "nervesys-" + name + "-" + System.identityHashCode(this),
                    ConfigKey.POLICY_LOCATION, policy, ConfigKey.INCLUDE_STACKTRACE, "false");
            Restrictor restrictor;
            try {
                restrictor = RestrictorFactory.lookupPolicyRestrictor(policy);
            } catch (IOException e) {
                throw new IllegalStateException("Jolokia policy " + policy + " unreadable: " + e.getMessage(), e);
            }
            if (restrictor == null) {
                // without a policy Jolokia allows everything: never run like that
                throw new IllegalStateException("Jolokia policy " + policy + " missing from the class path");
            }
            manager = JolokiaServiceManagerFactory.createJolokiaServiceManager(config, new Log(), restrictor);
            manager.addService(new JolokiaSerializer());
            manager.addService(new LocalRequestHandler(1));
        }

        void start() {
            requests = new HttpRequestHandler(manager.start());
        }

        void stop() {
            manager.stop();
        }

        void handle(RoutingContext ctx) {
            HttpServerRequest req = ctx.request();
            String remaining = Utils.pathOffset(req.path(), ctx);
            JSONStructure json;
            int status = 200;
            try {
                requests.checkAccess(req.scheme(), req.remoteAddress().host(), req.remoteAddress().host(), origin(req));
                if (req.method() == HttpMethod.GET) {
                    json = requests.handleGetRequest(req.uri(), remaining, params(req.params()));
                } else if (ctx.body() == null || ctx.body().buffer() == null) {
                    status = 400;
                    json = requests.handleThrowable(new IllegalArgumentException("missing body"));
                } else {
                    json = requests.handlePostRequest(req.uri(), new ByteBufInputStream(ctx.body().buffer().getByteBuf()),
                            StandardCharsets.UTF_8.name(), params(req.params()));
                }
            } catch (Throwable e) {
                status = 500;
                json = requests.handleThrowable(e instanceof RuntimeMBeanException r ? r.getTargetException() : e);
            }
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(json == null ? "" : json.toJSONString());
        }

        private static Map<String, String[]> params(MultiMap params) {
            Map<String, String[]> out = new HashMap<>();
            for (String name : params.names()) {
                out.put(name, params.getAll(name).toArray(new String[0]));
            }
            return out;
        }

        private static String origin(HttpServerRequest req) {
            String origin = req.getHeader(HttpHeaders.ORIGIN);
            if (origin == null) {
                origin = req.getHeader(HttpHeaders.REFERER);
            }
            return origin == null ? "" : origin.replaceAll("[\\n\\r]*", "");
        }
    }

    private static final class Log implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.debug(message);
        }

        @Override
        public void info(String message) {
            LOG.debug(message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.error(message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isDebugEnabled();
        }
    }
}
