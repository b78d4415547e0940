package dev.nervesys.webconsole;

import static dev.nervesys.spi.Setting.ReadBy.BEANS;
import static dev.nervesys.spi.Setting.ReadBy.ROUTES;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.Setting;
import dev.nervesys.spi.SettingGroup;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the web console (docs/console.md), each declared once here with its default. The
 * interface and port are the route's; the rest is read by the bean {@code webconsole} at start.
 */
public record ConsoleSettings(String users, Duration sessionIdle, int lockoutFailures, Duration lockoutDuration,
                              boolean secureCookie, int hashCost, String liveUrl) {

    public static final Setting HOST = Setting.text("nervesys.webconsole.host", "127.0.0.1", ROUTES,
            "interface the web console binds (module webconsole, off by default)");
    public static final Setting PORT = Setting.integer("nervesys.webconsole.port", "8088", "port", ROUTES,
            "web console port");
    public static final Setting USERS = Setting.text("nervesys.webconsole.users", "", BEANS,
            "console users, name:role:bcrypt-hash[:totp-secret] separated by commas (roles viewer, operator, admin; "
                    + "hashes from `nervesys console hash-password`). Set NERVESYS_WEBCONSOLE_USERS in the environment "
                    + "(it takes precedence); empty = nobody can log in");
    public static final Setting SESSION_IDLE = Setting.duration("nervesys.webconsole.sessionIdle", "1h", BEANS,
            "a console session ends after this long without a request (and after 12 times this in any case)");
    public static final Setting LOCKOUT_FAILURES = Setting.integer("nervesys.webconsole.lockoutFailures", "5", "failures",
            BEANS, "failed logins in a row that lock a user name");
    public static final Setting LOCKOUT_DURATION = Setting.duration("nervesys.webconsole.lockoutDuration", "15m", BEANS,
            "how long a locked user name stays locked");
    public static final Setting SECURE_COOKIE = Setting.flag("nervesys.webconsole.secureCookie", "false", BEANS,
            "mark the session cookie Secure (set true when the console is reached over TLS; a request with "
                    + "X-Forwarded-Proto: https gets it anyway)");

    public static final Setting HASH_COST = Setting.integer("nervesys.webconsole.hashCost", "12", "bcrypt cost", BEANS,
            "bcrypt cost of the passwords set on the users page (each step doubles the time a login takes to check)");
    public static final Setting LIVE_URL = Setting.text("nervesys.webconsole.liveUrl", "", BEANS,
            "WebSocket of the live view that the runs pages follow live runs on (ws://host:port/, added to the pages' "
                    + "Content-Security-Policy); empty = this agent's nervesys.live.host and port when that is one address; "
                    + "off = the pages re-read live runs from ClickHouse every 5 s instead");

    /** The declarations of {@code nervesys.webconsole.*}. */
    public static final class Declared implements SettingGroup {
        @Override
        public String title() {
            return "Web console";
        }

        @Override
        public String page() {
            return "console.md";
        }

        @Override
        public List<Setting> settings() {
            return List.of(HOST, PORT, USERS, SESSION_IDLE, LOCKOUT_FAILURES, LOCKOUT_DURATION, SECURE_COOKIE, HASH_COST, LIVE_URL);
        }
    }

    public static ConsoleSettings from(AgentSettings s) {
        return new ConsoleSettings(
                s.secret("NERVESYS_WEBCONSOLE_USERS").orElse(s.get(USERS)),
                s.getDuration(SESSION_IDLE),
                s.getInt(LOCKOUT_FAILURES),
                s.getDuration(LOCKOUT_DURATION),
                s.getBoolean(SECURE_COOKIE),
                Math.max(4, Math.min(31, s.getInt(HASH_COST))),
                s.get(LIVE_URL));
    }
}
