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

/**
 * Camel main's factory of the management server (bound in the registry, where camel-main looks
 * first), with {@link ManagementGuard} in front of every path. Camel's own management auth reads
 * its users from a Vert.x properties file with plain-text passwords; this keeps them in memory.
 * The guard is installed through the server's {@link AuthenticationConfig}, so it runs before any
 * route of the server (health, metrics, Jolokia, dev consoles).
 */
public final class ManagementServerFactory extends DefaultMainHttpServerFactory {

    private final ConsoleUsers users;
    private final long bodyTimeoutMillis;

    /** @param bodyTimeoutMillis a request's body must arrive whole within this (408), 0 = no limit */
    public ManagementServerFactory(ConsoleUsers users, long bodyTimeoutMillis) {
        this.users = users;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
    }

    @Override
    public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties configuration) {
        Service service = super.newHttpManagementServer(camelContext, configuration);
        if (service instanceof ManagementHttpServer server) {
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
        } else {
            throw new IllegalStateException("unexpected management server " + service + ": cannot protect it");
        }
        return service;
    }
}
