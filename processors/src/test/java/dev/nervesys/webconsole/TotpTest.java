package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6238 Appendix B test vectors, the accepted window and Base32 secrets. */
class TotpTest {

    static final byte[] SHA1_KEY = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SHA256_KEY = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SHA512_KEY = "1234567890123456789012345678901234567890123456789012345678901234".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "T = {0}")
    @CsvSource({
        "59,          94287082, 46119246, 90693936",
        "1111111109,  07081804, 68084774, 25091201",
        "1111111111,  14050471, 67062674, 99943326",
        "1234567890,  89005924, 91819424, 93441116",
        "2000000000,  69279037, 90698825, 38618901",
        "20000000000, 65353130, 77737706, 47863826",
    })
    void rfc6238Vectors(long seconds, String sha1, String sha256, String sha512) {
        long step = Totp.step(Instant.ofEpochSecond(seconds));
        assertThat(Totp.code(SHA1_KEY, step, 8, "HmacSHA1")).isEqualTo(sha1);
        assertThat(Totp.code(SHA256_KEY, step, 8, "HmacSHA256")).isEqualTo(sha256);
        assertThat(Totp.code(SHA512_KEY, step, 8, "HmacSHA512")).isEqualTo(sha512);
    }

    @Test
    void sixDigitCodesAreAcceptedOneStepEitherSide() {
        Instant now = Instant.ofEpochSecond(1111111111);
        long step = Totp.step(now);
        String current = Totp.code(SHA1_KEY, step, 6, "HmacSHA1");
        assertThat(current).isEqualTo("050471"); // the RFC's 8 digits, last 6
        assertThat(Totp.matchingStep(SHA1_KEY, current, now)).isEqualTo(step);
        assertThat(Totp.matchingStep(SHA1_KEY, Totp.code(SHA1_KEY, step - 1, 6, "HmacSHA1"), now)).isEqualTo(step - 1);
        assertThat(Totp.matchingStep(SHA1_KEY, Totp.code(SHA1_KEY, step + 1, 6, "HmacSHA1"), now)).isEqualTo(step + 1);
        assertThat(Totp.matchingStep(SHA1_KEY, Totp.code(SHA1_KEY, step - 2, 6, "HmacSHA1"), now)).isEqualTo(-1);
        assertThat(Totp.matchingStep(SHA1_KEY, "050 471", now)).isEqualTo(step);
        assertThat(Totp.matchingStep(SHA1_KEY, "", now)).isEqualTo(-1);
        assertThat(Totp.matchingStep(SHA1_KEY, null, now)).isEqualTo(-1);
    }

    @Test
    void base32RoundTripAndErrors() {
        // RFC 4648's key of the RFC 6238 vectors as authenticator apps show it
        assertThat(Totp.toBase32(SHA1_KEY)).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assertThat(Totp.base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).isEqualTo(SHA1_KEY);
        assertThatThrownBy(() -> Totp.base32("GEZDGNBVGY3TQOJ1")).hasMessageContaining("not Base32");
        assertThatThrownBy(() -> Totp.base32("GEZDGNBV")).hasMessageContaining("too short");
    }
}
