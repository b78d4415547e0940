package dev.nervesys.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One line for a person from any failure (docs/operations.md, "Command line: errors and exit codes"). */
class ErrorLineTest {

    @Test
    void fileProblemsNameTheFileWhereverTheyAreInTheCauses() {
        assertThat(ErrorLine.of(new NoSuchFileException("data/x.tcb"))).isEqualTo("no such file or directory: data/x.tcb");
        assertThat(ErrorLine.of(new UncheckedIOException(new AccessDeniedException("/etc/shadow"))))
                .isEqualTo("permission denied: /etc/shadow");
    }

    @Test
    void connectionFailuresSayWhy() {
        IOException refused = new IOException(new ConnectException());
        assertThat(ErrorLine.unreachable(refused)).isTrue();
        assertThat(ErrorLine.of(refused)).isEqualTo("connection refused");
        assertThat(ErrorLine.connectReason(new IOException("lookup", new UnknownHostException("db.invalid")))).isEqualTo("unknown host db.invalid");
        assertThat(ErrorLine.unreachable(new IOException("disk full"))).isFalse();
    }

    @Test
    void messagesBecomeOneLineWithoutClassNames() {
        assertThat(ErrorLine.of(new RuntimeException("java.lang.IllegalStateException: broken\n\tat x.y(Z.java:1)"))).isEqualTo("broken");
        assertThat(ErrorLine.oneLine("while parsing a flow sequence\n in 'reader', line 3, column 7:\n    name: [t")).isEqualTo(
                "while parsing a flow sequence (line 3, column 7)");
        assertThat(ErrorLine.oneLine("Unexpected character\n at [Source: (String)\"x\"; line: 2, column: 12]"))
                .isEqualTo("Unexpected character (line 2, column 12)");
        assertThat(ErrorLine.of(new NullPointerException())).isEqualTo("unexpected NullPointerException");
    }

    @Test
    void hostPortOfUrlsWithoutTheirQuery() {
        assertThat(ErrorLine.hostPort("jdbc:postgresql://db.example:6432/fleet?password=secret")).isEqualTo("db.example:6432");
        assertThat(ErrorLine.hostPort("jdbc:postgresql://db.example/fleet")).isEqualTo("db.example:5432");
        assertThat(ErrorLine.hostPort("http://127.0.0.1:8123")).isEqualTo("127.0.0.1:8123");
        assertThat(ErrorLine.hostPort("https://s3.example")).isEqualTo("s3.example:443");
        assertThat(ErrorLine.hostPort("jdbc:sqlite:/var/lib/hb.db?journal_mode=WAL")).isEqualTo("jdbc:sqlite:/var/lib/hb.db");
    }

    @Test
    void settingsNameTheKeyOfABadValue() {
        AgentSettings s = new AgentSettings() {
            final Map<String, String> values = Map.of("a.port", "nine", "a.size", "lots", "a.every", "soon", "a.ok", " 42 ");

            @Override
            public Optional<String> find(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public Optional<String> secret(String environmentVariable) {
                return Optional.empty();
            }

            @Override
            public String agentId() {
                return "t";
            }

            @Override
            public String server() {
                return "t";
            }

            @Override
            public Path dataDir() {
                return Path.of("data");
            }
        };
        assertThat(s.getInt("a.ok", 0)).isEqualTo(42);
        assertThat(s.getDuration("a.missing", Duration.ofSeconds(3))).hasSeconds(3);
        assertThatThrownBy(() -> s.getInt("a.port", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a.port=nine is not a whole number");
        assertThatThrownBy(() -> s.getLong("a.port", 1)).hasMessage("a.port=nine is not a whole number");
        assertThatThrownBy(() -> s.getBytes("a.size", 1)).hasMessage("a.size=lots: not a size: 'lots' (use 1048576, 512KB, 100MB, 1GB)");
        assertThatThrownBy(() -> s.getDuration("a.every", Duration.ZERO)).hasMessageStartingWith("a.every=soon: not a duration: 'soon'");
    }
}
