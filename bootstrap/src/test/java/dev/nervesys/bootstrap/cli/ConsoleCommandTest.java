package dev.nervesys.bootstrap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.webconsole.PasswordHashes;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code nervesys console hash-password} through the jar's command line, the password on standard input. */
class ConsoleCommandTest {

    @Test
    void hashPasswordIsASubcommandOfNervesys() {
        InputStream stdin = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream("s3cret\n".getBytes(StandardCharsets.UTF_8)));
            CommandLine cl = NervesysCommand.commandLine(null, null, false);
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            assertThat(cl.execute("console", "hash-password", "--cost", "4", "--user", "ann", "--role", "admin")).as(err.toString()).isZero();
        } finally {
            System.setIn(stdin);
        }
        String[] entry = out.toString().trim().split(":");
        assertThat(entry[0]).isEqualTo("ann");
        assertThat(entry[1]).isEqualTo("admin");
        assertThat(PasswordHashes.verify(entry[2], "s3cret".toCharArray())).isTrue();
    }
}
