package dev.nervesys.webconsole;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock-out after repeated failures, per user name (known or not, so that the answer tells nothing
 * about which names exist): {@code maxFailures} failed logins in a row lock the name for
 * {@code lockout}, on the agent's clock; while locked, logins are refused without checking the
 * password; a success clears the count. Also remembers the last TOTP step used per user, so a
 * code works once. Held in memory (a restart clears it) and bounded: at most {@value #MAX_NAMES}
 * names are tracked, the oldest dropped first.
 */
public final class LoginGuard {

    static final int MAX_NAMES = 10_000;

    private record State(int failures, Instant lockedUntil, Instant last) {
    }

    private final int maxFailures;
    private final Duration lockout;
    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, Long> totpSteps = new ConcurrentHashMap<>();

    public LoginGuard(int maxFailures, Duration lockout, Clock clock) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("nervesys.webconsole.lockoutFailures must be at least 1");
        }
        this.maxFailures = maxFailures;
        this.lockout = lockout;
        this.clock = clock;
    }

    private static String key(String name) {
        return name == null ? "" : name.toLowerCase(Locale.ROOT);
    }

    /** When the name is locked: until when. */
    public Optional<Instant> lockedUntil(String name) {
        State s = states.get(key(name));
        Instant now = clock.instant();
        return s == null || s.lockedUntil() == null || !now.isBefore(s.lockedUntil()) ? Optional.empty() : Optional.of(s.lockedUntil());
    }

    /** A failed login; returns the lock's end when this failure locked the name. */
    public Optional<Instant> failed(String name) {
        Instant now = clock.instant();
        State s = states.compute(key(name), (k, old) -> {
            int failures = old == null || (old.lockedUntil() != null && !now.isBefore(old.lockedUntil())) ? 1 : old.failures() + 1;
            return new State(failures, failures >= maxFailures ? now.plus(lockout) : null, now);
        });
        trim();
        return Optional.ofNullable(s.lockedUntil());
    }

    public void succeeded(String name) {
        states.remove(key(name));
    }

    /** Claims TOTP step {@code step} for the user: false when it (or a later one) was used already. */
    public boolean claimTotpStep(String name, long step) {
        long[] ok = {0};
        totpSteps.compute(key(name), (k, last) -> {
            if (last != null && last >= step) {
                return last;
            }
            ok[0] = 1;
            return step;
        });
        return ok[0] == 1;
    }

    private void trim() {
        if (states.size() <= MAX_NAMES) {
            return;
        }
        Instant now = clock.instant();
        states.values().removeIf(s -> s.lockedUntil() == null ? s.last().plus(lockout).isBefore(now) : s.lockedUntil().isBefore(now));
        Iterator<Map.Entry<String, State>> it = states.entrySet().iterator();
        while (states.size() > MAX_NAMES && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
