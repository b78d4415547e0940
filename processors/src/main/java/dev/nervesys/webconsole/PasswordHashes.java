package dev.nervesys.webconsole;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt password hashes ({@code $2y$<cost>$...}, BouncyCastle's OpenBSDBCrypt): what
 * {@code nervesys console hash-password} prints and what NERVESYS_WEBCONSOLE_USERS holds. bcrypt
 * reads at most 72 bytes of a password: longer ones are refused when hashing rather than cut.
 */
public final class PasswordHashes {

    /** The cost the command uses unless told otherwise (2^12 rounds: about a quarter second here). */
    public static final int DEFAULT_COST = 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when the user is unknown, so that an unknown name takes as long as a known one. */
    private static final String DUMMY = OpenBSDBCrypt.generate("2y", "nervesys".toCharArray(), new byte[16], DEFAULT_COST);

    private PasswordHashes() {
    }

    public static String hash(char[] password, int cost) {
        if (password.length == 0) {
            throw new IllegalArgumentException("the password is empty");
        }
        if (new String(password).getBytes(StandardCharsets.UTF_8).length > 72) {
            throw new IllegalArgumentException("bcrypt reads at most 72 bytes of a password: use a shorter one");
        }
        if (cost < 4 || cost > 31) {
            throw new IllegalArgumentException("bcrypt cost must be 4..31, not " + cost);
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    /** True when {@code password} matches {@code hash}; a null hash (unknown user) costs the same time and fails. */
    public static boolean verify(String hash, char[] password) {
        if (hash == null) {
            OpenBSDBCrypt.checkPassword(DUMMY, password.length == 0 ? new char[] {'x'} : password);
            return false;
        }
        if (password.length == 0) {
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(hash, password);
        } catch (IllegalArgumentException e) {
            return false; // a password bcrypt cannot take (over 72 bytes): it cannot be the right one
        }
    }

    /** True when {@code text} looks like a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters). */
    public static boolean isHash(String text) {
        return text != null && text.matches("\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}");
    }
}
