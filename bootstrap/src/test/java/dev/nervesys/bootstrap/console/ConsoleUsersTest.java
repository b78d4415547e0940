package dev.nervesys.bootstrap.console;

import dev.nervesys.bootstrap.console.ConsoleUsers.Role;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleUsersTest {

    @Test
    void rolesAreOptionalAndTheOldFormatKeepsWorking() {
        ConsoleUsers users = ConsoleUsers.parse(Optional.of("alice:secret:admin, bob:pw ,carol:pass:word,dave:x:operator"));
        assertThat(users.authenticate("alice", "secret")).contains(Role.ADMIN);
        assertThat(users.authenticate("alice", "secret:admin")).isEmpty();
        assertThat(users.authenticate("bob", "pw")).contains(Role.VIEWER);
        // a colon in a password is no role unless it names one
        assertThat(users.authenticate("carol", "pass:word")).contains(Role.VIEWER);
        assertThat(users.authenticate("dave", "x")).contains(Role.OPERATOR);
        assertThat(users.authenticate("nobody", "x")).isEmpty();
        assertThat(users.check("bob", "wrong")).isFalse();
        assertThat(Role.ADMIN.atLeast(Role.OPERATOR)).isTrue();
        assertThat(Role.OPERATOR.atLeast(Role.ADMIN)).isFalse();
    }

    @Test
    void aBadEntryIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> ConsoleUsers.parse(Optional.of("alice:s3cr3t,justaname")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user:password[:role]").hasMessageNotContaining("s3cr3t").hasMessageNotContaining("justaname");
    }
}
