package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.testing.HandClock;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Password hashes, the user list, lock-out and sessions on a hand-moved clock, and the hash-password command. */
class ConsoleAuthTest {

    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    @Test
    void bcryptHashesVerifyAndRefuseWhatBcryptCannotTake() {
        String hash = PasswordHashes.hash("s3cret pass".toCharArray(), 4);
        assertThat(hash).startsWith("$2y$04$");
        assertThat(PasswordHashes.isHash(hash)).isTrue();
        assertThat(PasswordHashes.verify(hash, "s3cret pass".toCharArray())).isTrue();
        assertThat(PasswordHashes.verify(hash, "s3cret pas".toCharArray())).isFalse();
        assertThat(PasswordHashes.verify(hash, new char[0])).isFalse();
        assertThat(PasswordHashes.verify(null, "anything".toCharArray())).isFalse();
        assertThat(PasswordHashes.verify(hash, "x".repeat(100).toCharArray())).isFalse();
        assertThatThrownBy(() -> PasswordHashes.hash("x".repeat(73).toCharArray(), 4)).hasMessageContaining("72 bytes");
        assertThatThrownBy(() -> PasswordHashes.hash(new char[0], 4)).hasMessageContaining("empty");
        // a hash made elsewhere: the Openwall crypt_blowfish test vector
        assertThat(PasswordHashes.verify("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U".toCharArray())).isTrue();
        assertThat(PasswordHashes.verify("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*V".toCharArray())).isFalse();
    }

    @Test
    void usersParseAndBadEntriesNameThemselvesWithoutTheirHash() {
        String h = PasswordHashes.hash("pw".toCharArray(), 4);
        UserDirectory users = UserDirectory.parse("ann:admin:" + h + ", bob:VIEWER:" + h + "\ncid:operator:" + h + ":GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assertThat(users.size()).isEqualTo(3);
        assertThat(users.find("ANN").orElseThrow().role()).isEqualTo(Role.ADMIN);
        assertThat(users.find("bob").orElseThrow().hasTotp()).isFalse();
        assertThat(users.find("cid").orElseThrow().hasTotp()).isTrue();
        assertThat(UserDirectory.parse("  ").isEmpty()).isTrue();
        assertThatThrownBy(() -> UserDirectory.parse("ann:admin:" + h + ",bob:root:" + h))
                .hasMessage("NERVESYS_WEBCONSOLE_USERS entry 2 (bob): role must be viewer, operator or admin, not 'root'");
        assertThatThrownBy(() -> UserDirectory.parse("ann:admin:plaintext"))
                .hasMessageContaining("entry 1 (ann): the hash is not a bcrypt hash").hasMessageNotContaining("plaintext");
        assertThatThrownBy(() -> UserDirectory.parse("ann:admin:" + h + ",Ann:viewer:" + h)).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> UserDirectory.parse("ann:admin:" + h + ":NOTBASE32!")).hasMessageContaining("not Base32")
                .hasMessageNotContaining("NOTBASE32");
        assertThatThrownBy(() -> UserDirectory.parse("ann")).hasMessageContaining("expected name:role:hash");
        assertThat(Role.OPERATOR.allows(Role.VIEWER)).isTrue();
        assertThat(Role.VIEWER.allows(Role.OPERATOR)).isFalse();
    }

    @Test
    void lockOutAfterFailuresInARowOnTheClock() {
        HandClock clock = new HandClock(T0);
        LoginGuard guard = new LoginGuard(3, Duration.ofMinutes(15), clock);
        assertThat(guard.failed("ann")).isEmpty();
        assertThat(guard.failed("ANN")).isEmpty(); // names are compared without case
        assertThat(guard.lockedUntil("ann")).isEmpty();
        assertThat(guard.failed("ann")).contains(T0.plus(Duration.ofMinutes(15)));
        assertThat(guard.lockedUntil("ann")).contains(T0.plus(Duration.ofMinutes(15)));
        assertThat(guard.lockedUntil("bob")).isEmpty();
        clock.advance(Duration.ofMinutes(14).plusSeconds(59));
        assertThat(guard.lockedUntil("ann")).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.lockedUntil("ann")).isEmpty();
        // after the lock the count starts again
        assertThat(guard.failed("ann")).isEmpty();
        guard.succeeded("ann");
        assertThat(guard.failed("ann")).isEmpty();
        assertThat(guard.failed("ann")).isEmpty();
        assertThat(guard.failed("ann")).isPresent();
        // a one-time code's step works once
        assertThat(guard.claimTotpStep("ann", 100)).isTrue();
        assertThat(guard.claimTotpStep("ann", 100)).isFalse();
        assertThat(guard.claimTotpStep("ann", 99)).isFalse();
        assertThat(guard.claimTotpStep("ann", 101)).isTrue();
    }

    @Test
    void sessionsEndWhenIdleAndAfterTwelveIdleTimes() {
        HandClock clock = new HandClock(T0);
        Sessions sessions = new Sessions(Duration.ofMinutes(30), clock);
        Sessions.Session s = sessions.create("ann", Role.ADMIN);
        assertThat(s.id()).hasSize(43).isNotEqualTo(s.csrf());
        assertThat(sessions.find(s.id())).isPresent();
        assertThat(sessions.find("nope")).isEmpty();
        assertThat(s.csrfMatches(s.csrf())).isTrue();
        assertThat(s.csrfMatches(null)).isFalse();
        assertThat(s.csrfMatches(s.csrf() + "x")).isFalse();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(s.id())).isPresent(); // touched: idle time starts again
        clock.advance(Duration.ofMinutes(30));
        assertThat(sessions.find(s.id())).isEmpty();
        Sessions.Session busy = sessions.create("bob", Role.VIEWER);
        for (int i = 0; i < 6 * 12 - 1; i++) {
            clock.advance(Duration.ofMinutes(5));
            assertThat(sessions.find(busy.id())).as("after %d min", (i + 1) * 5).isPresent();
        }
        clock.advance(Duration.ofMinutes(5));
        assertThat(sessions.find(busy.id())).isEmpty(); // 6 h = 12 x 30 min
        Sessions.Session gone = sessions.create("cid", Role.VIEWER);
        sessions.end(gone.id());
        assertThat(sessions.find(gone.id())).isEmpty();
    }

    @Test
    void hashPasswordCommandPrintsAHashOrAWholeEntry() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ConsoleCommand.HashPassword(new ByteArrayInputStream("correct horse\n".getBytes(StandardCharsets.UTF_8))));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("--cost", "4")).isZero();
        String hash = out.toString().trim();
        assertThat(PasswordHashes.verify(hash, "correct horse".toCharArray())).isTrue();

        out.getBuffer().setLength(0);
        cl = new CommandLine(new ConsoleCommand.HashPassword(new ByteArrayInputStream("pw\n".getBytes(StandardCharsets.UTF_8))));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("--cost", "4", "--user", "ann", "--role", "operator", "--totp")).isZero();
        UserDirectory parsed = UserDirectory.parse(out.toString().trim());
        assertThat(parsed.find("ann").orElseThrow().role()).isEqualTo(Role.OPERATOR);
        assertThat(parsed.find("ann").orElseThrow().hasTotp()).isTrue();
        assertThat(err.toString()).contains("otpauth://totp/Nervesys:ann?secret=");

        StringWriter err2 = new StringWriter();
        cl = new CommandLine(new ConsoleCommand.HashPassword(new ByteArrayInputStream(new byte[0])));
        cl.setErr(new PrintWriter(err2));
        assertThat(cl.execute()).isEqualTo(1);
        assertThat(err2.toString()).contains("none given");
        cl = new CommandLine(new ConsoleCommand.HashPassword(new ByteArrayInputStream("pw\n".getBytes(StandardCharsets.UTF_8))));
        cl.setErr(new PrintWriter(err2));
        assertThat(cl.execute("--user", "ann", "--role", "root")).isEqualTo(2);
        assertThat(err2.toString()).contains("role must be viewer, operator or admin");
    }
}
