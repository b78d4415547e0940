package dev.nervesys.bootstrap.security;

import dev.nervesys.bootstrap.console.ConsoleUsers;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.web.handler.AuthenticationHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * Camel main's factory of the management server (bound in the registry, where camel-main looks
 * first), with {@link ManagementGuard} in front of every path. Camel's own management auth reads
 * its users from a Vert.x properties file with plain-text passwords; this keeps them in memory.
 * The guard is installed through the server's {@link AuthenticationConfig}, so it runs before any
 * route of the server (health, metrics, Jolokia, dev consoles), and before {@link SilencesApi}, which
 * is added to the server's router once the context has started.
 */
public final class ManagementServerFactory extends DefaultMainHttpServerFactory {

    private final ConsoleUsers users;
    private final long bodyTimeoutMillis;
    private final SSLContextParameters tls;

    /** @param bodyTimeoutMillis a request's body must arrive whole within this (408), 0 = no limit */
    public ManagementServerFactory(ConsoleUsers users, long bodyTimeoutMillis) {
        this(users, bodyTimeoutMillis, null);
    }

    /** @param tls HTTPS only with it, or null */
    public ManagementServerFactory(ConsoleUsers users, long bodyTimeoutMillis, SSLContextParameters tls) {
        this.users = users;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
        this.tls = tls;
    }

    /**
     * TLS of the management server from {@code nervesys.management.tls.cert} and {@code .key} (PEM),
     * the key's password from {@code NERVESYS_MANAGEMENT_TLS_KEY_PASSWORD}; null when not set.
     */
    public static SSLContextParameters tls(dev.nervesys.spi.AgentSettings s) {
        String cert = s.get("nervesys.management.tls.cert", "");
        String key = s.get("nervesys.management.tls.key", "");
        if (cert.isBlank() && key.isBlank()) {
            return null;
        }
        if (cert.isBlank() || key.isBlank()) {
            throw new IllegalArgumentException("nervesys.management.tls.cert and nervesys.management.tls.key go together: "
                    + "set both PEM files or neither");
        }
        // an in-memory store only: its password never leaves this process
        char[] storePassword = java.util.UUID.randomUUID().toString().toCharArray();
        KeyStoreParameters store = new KeyStoreParameters();
        store.setKeyStore(dev.nervesys.common.ServerTls.keyStore("nervesys.management.tls", cert, key,
                s.secret("NERVESYS_MANAGEMENT_TLS_KEY_PASSWORD").orElse(null), storePassword));
        KeyManagersParameters keys = new KeyManagersParameters();
        keys.setKeyStore(store);
        keys.setKeyPassword(new String(storePassword));
        SSLContextParameters params = new SSLContextParameters();
        params.setKeyManagers(keys);
        return params;
    }

    @Override
    public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties configuration) {
        Service service = super.newHttpManagementServer(camelContext, configuration);
        if (service instanceof ManagementHttpServer server) {
            if (tls != null) {
                server.setSslContextParameters(tls);
            }
            String healthPath = configuration.getHealthPath() == null ? "/observe/health" : configuration.getHealthPath();
            ManagementGuard guard = new ManagementGuard(users, healthPath, bodyTimeoutMillis);
            AuthenticationConfig auth = server.getConfiguration().getAuthenticationConfig();
            AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
            entry.setPath("/*");
            entry.setAuthenticationProviderFactory(vertx -> null);
            entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
                @Override
                public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T provider) {
                    return guard;
                }
            });
            auth.getEntries().add(entry);
            auth.setEnabled(true);
            // operator actions of our own (alert silences): on the server's router once it runs, after the guard
            try {
                camelContext.addStartupListener(new org.apache.camel.StartupListener() {
                    @Override
                    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                    }

                    @Override
                    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                        if (server.getRouter() == null) {
                            throw new IllegalStateException("the management server has no router: cannot add " + SilencesApi.PATH);
                        }
                        SilencesApi.mount(server.getRouter(), context);
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException("cannot add " + SilencesApi.PATH + " to the management server", e);
            }
        } else {
            throw new IllegalStateException("unexpected management server " + service + ": cannot protect it");
        }
        return service;
    }
}
