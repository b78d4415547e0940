package dev.nervesys.bootstrap.revision;

import dev.nervesys.common.PinnedTls;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory;

import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.net.Proxy;
import java.net.URL;
import java.security.GeneralSecurityException;

/**
 * JGit's HTTP connections with the orchestrator's pinned certificate (docs/orchestrator.md, "TLS"):
 * a connection to an origin {@link PinnedTls} has a pin for trusts exactly that certificate (host
 * name included: the pin names the certificate); any other connection is JGit's default. JGit takes
 * its connection factory from one static field, hence one installation per process.
 */
public final class PinnedGitConnections implements HttpConnectionFactory {

    private final HttpConnectionFactory delegate;

    private PinnedGitConnections(HttpConnectionFactory delegate) {
        this.delegate = delegate;
    }

    /** Puts the pinning factory in front of JGit's current one (once). */
    public static synchronized void install() {
        if (!(HttpTransport.getConnectionFactory() instanceof PinnedGitConnections)) {
            HttpTransport.setConnectionFactory(new PinnedGitConnections(HttpTransport.getConnectionFactory()));
        }
    }

    @Override
    public HttpConnection create(URL url) throws IOException {
        return pinned(url, delegate.create(url));
    }

    @Override
    public HttpConnection create(URL url, Proxy proxy) throws IOException {
        return pinned(url, delegate.create(url, proxy));
    }

    private static HttpConnection pinned(URL url, HttpConnection c) throws IOException {
        String pin = PinnedTls.pinFor(url.toString());
        if (pin == null) {
            return c;
        }
        try {
            c.configure(null, new TrustManager[] {PinnedTls.trustManager(pin)}, null);
            c.setHostnameVerifier((host, session) -> true);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot pin the orchestrator's certificate: " + e.getMessage(), e);
        }
        return c;
    }
}
