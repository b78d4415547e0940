package dev.nervesys.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The message template (docs/alerts.md, "Groups"): the one-pass ASCII path gives what the general
 * path gives, on fixed examples and on random lines of the characters that matter.
 */
class CriticalRecordTemplateTest {

    @Test
    void theAsciiPathAgreesWithTheGeneralPath() {
        String[] fixed = {"Disk /dev/sdb1 failed at 12:30 (req 3fa2b1)", "RAID array degraded, disk /dev/sdb failed",
            "requests are failing (req FDBBEA)", "a.b-c:d/e_f decade facade FACADE-2 abcdef.abcdeg", "", "x",
            "ends with a word abcdef", "x".repeat(300) + " 1", "word-" + "a".repeat(199) + "bbbbbb"};
        for (String m : fixed) {
            assertThat(CriticalRecord.template(m)).as(m).isEqualTo(CriticalRecord.templateGeneral(m));
        }
        Random rnd = new Random(18);
        String alphabet = "abcdefABCDEFghzGHZ0159 .:/-_,()[]'\"\t";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int len = rnd.nextInt(260);
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String m = b.toString();
            assertThat(CriticalRecord.template(m)).as(m).isEqualTo(CriticalRecord.templateGeneral(m));
        }
        // beyond ASCII the general path decides (String.toLowerCase may change the length)
        assertThat(CriticalRecord.template("Überhitzung Sensor 12 İstanbul")).isEqualTo(CriticalRecord.templateGeneral("Überhitzung Sensor 12 İstanbul"));
        assertThat(new CriticalRecord(java.time.Instant.EPOCH, "text", "critical", "ERROR", "Pool EXHAUSTED (req fdbbea)", "r")
                .coalescingKey()).isEqualTo("text\ncritical\nERROR\npool exhausted (req *)");
    }
}
