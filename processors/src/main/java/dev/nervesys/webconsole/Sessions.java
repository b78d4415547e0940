package dev.nervesys.webconsole;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logged-in sessions, in memory (a restart logs everyone out): a random 256-bit id sent as the
 * session cookie, and a second random token for CSRF that the pages send back in the
 * {@code X-CSRF-Token} header of every change. A session ends after {@code idle} without a
 * request, and after {@code idle} x 12 in any case, on the agent's clock.
 */
public final class Sessions {

    /** One session; {@code lastSeen} moves with each request. */
    public static final class Session {
        private final String id;
        private final String user;
        private final Role role;
        private final String csrf;
        private final Instant created;
        private volatile Instant lastSeen;

        Session(String id, String user, Role role, String csrf, Instant created) {
            this.id = id;
            this.user = user;
            this.role = role;
            this.csrf = csrf;
            this.created = created;
            this.lastSeen = created;
        }

        public String id() {
            return id;
        }

        public String user() {
            return user;
        }

        public Role role() {
            return role;
        }

        public String csrf() {
            return csrf;
        }

        /** Constant-time comparison of the CSRF token a request sent. */
        public boolean csrfMatches(String sent) {
            return sent != null && MessageDigest.isEqual(csrf.getBytes(), sent.getBytes());
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration idle;
    private final Clock clock;

    public Sessions(Duration idle, Clock clock) {
        this.idle = idle;
        this.clock = clock;
    }

    static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public Session create(String user, Role role) {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> expired(s, now));
        Session s = new Session(token(), user, role, token(), now);
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session of this cookie value; touching it extends its idle time. */
    public Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        Instant now = clock.instant();
        if (s == null) {
            return Optional.empty();
        }
        if (expired(s, now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        s.lastSeen = now;
        return Optional.of(s);
    }

    public void end(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** Ends every session of {@code user} (its role or password changed); returns how many. */
    public int endAll(String user) {
        int[] n = {0};
        sessions.values().removeIf(s -> {
            boolean hit = s.user().equalsIgnoreCase(user);
            n[0] += hit ? 1 : 0;
            return hit;
        });
        return n[0];
    }

    public Duration idle() {
        return idle;
    }

    private boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen.plus(idle)) || !now.isBefore(s.created.plus(idle.multipliedBy(12)));
    }
}
