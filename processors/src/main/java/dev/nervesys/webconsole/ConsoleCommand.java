package dev.nervesys.webconsole;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nervesys console}: tools for the web console (docs/console.md). */
@Command(name = "console", mixinStandardHelpOptions = true, description = "Web console tools.",
        subcommands = ConsoleCommand.HashPassword.class)
public final class ConsoleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /**
     * {@code nervesys console hash-password}: reads a password (twice from the terminal, or one
     * line from standard input when there is none) and prints its bcrypt hash, or with
     * {@code --user} and {@code --role} a whole NERVESYS_WEBCONSOLE_USERS entry; {@code --totp}
     * adds a new TOTP secret and prints its otpauth URI for an authenticator app on stderr.
     */
    @Command(name = "hash-password", mixinStandardHelpOptions = true,
            description = "Print the bcrypt hash of a password (read from the terminal, or one line of stdin).")
    public static final class HashPassword implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--cost", defaultValue = "" + PasswordHashes.DEFAULT_COST, description = "bcrypt cost, 4..31 (default 12)")
        int cost;

        @Option(names = "--user", description = "print a whole entry name:role:hash for NERVESYS_WEBCONSOLE_USERS")
        String user;

        @Option(names = "--role", description = "viewer | operator | admin (with --user)")
        String role;

        @Option(names = "--totp", description = "add a new TOTP secret to the entry (with --user); its otpauth URI goes to stderr")
        boolean totp;

        private final InputStream stdin;

        public HashPassword() {
            this(System.in);
        }

        /** For tests: read the password from {@code stdin}, never from a terminal. */
        public HashPassword(InputStream stdin) {
            this.stdin = stdin;
        }

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if ((user == null) != (role == null) || (totp && user == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--user and --role go together (and --totp needs them)");
            }
            Role r = null;
            if (role != null) {
                try {
                    r = Role.parse(role);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            char[] password = read(err);
            if (password == null) {
                err.println("error: passwords differ or none given");
                return 1;
            }
            String hash;
            try {
                hash = PasswordHashes.hash(password, cost);
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return 1;
            } finally {
                Arrays.fill(password, '\0');
            }
            if (user == null) {
                out.println(hash);
                return 0;
            }
            String entry = user + ":" + r.label() + ":" + hash;
            if (totp) {
                byte[] key = new byte[20];
                new SecureRandom().nextBytes(key);
                String secret = Totp.toBase32(key);
                entry += ":" + secret;
                err.println("otpauth://totp/Nervesys:" + user + "?secret=" + secret + "&issuer=Nervesys");
            }
            out.println(entry);
            return 0;
        }

        private char[] read(PrintWriter err) throws IOException {
            Console console = stdin == System.in ? System.console() : null;
            if (console != null) {
                char[] a = console.readPassword("password: ");
                char[] b = console.readPassword("again: ");
                return a == null || b == null || !Arrays.equals(a, b) || a.length == 0 ? null : a;
            }
            String line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
            return line == null || line.isEmpty() ? null : line.toCharArray();
        }
    }
}
