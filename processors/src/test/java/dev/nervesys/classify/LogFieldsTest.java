package dev.nervesys.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written scan reads exactly what the Jackson path reads, whenever it answers. */
class LogFieldsTest {

    static final List<String> PATHS = List.of("cpu", "context.temperature_c", "context", "disk.free");
    static final List<String> SEEDS = List.of(
            "{\"timestamp\":\"2025-12-10T12:00:01.123Z\",\"level\":\"ERROR\",\"agent_id\":\"a1\",\"action\":\"sync\","
                    + "\"message\":\"write failed: No space left on device\",\"context\":{\"host\":\"h1\",\"temperature_c\":41}}",
            "{\"level\":\"warn\",\"message\":\"cpu high\",\"cpu\":97.5,\"disk\":{\"free\":-0,\"x\":[1,{\"a\":null}]},\"level\":7}",
            " { \"message\" : \"a long message that is cut somewhere in the middle\" , \"cpu\" : -1.5e3 , \"context\" : 12 } ",
            "{\"level\":\"INFO\",\"message\":\"über \\\"quoted\\\"\",\"context\":{\"temperature_c\":1e2,\"t\":true}}",
            "{\"message\":null,\"level\":null,\"cpu\":\"12\",\"context\":[1,2],\"disk\":{}}");

    static String state(LogFields f) {
        return f.level + "|" + f.message + "|" + f.truncated + "|" + Arrays.toString(f.values);
    }

    @Test
    void scanAgreesWithJackson() throws Exception {
        String alphabet = "{}[]\":,.-+eE0123456789 \t\\/unrtlsvxé";
        String[] tokens = {"\"level\":", "\"message\":", "\"cpu\":", "\"context\":", "\"temperature_c\":", "null", "true", "01",
            "-0", "1.", "12345678901234567890", "\"x\"", "{}", "[]", ",", "\\u0041"};
        Random r = new Random(3);
        LogFields fast = new LogFields(PATHS, 20);
        LogFields ref = new LogFields(PATHS, 20);
        int compared = 0;
        for (int i = 0; i < 60_000; i++) {
            StringBuilder sb = new StringBuilder(SEEDS.get(r.nextInt(SEEDS.size())));
            int edits = r.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(sb.length() + 1);
                switch (r.nextInt(3)) {
                    case 0 -> sb.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> sb.insert(at, tokens[r.nextInt(tokens.length)]);
                    default -> {
                        if (at < sb.length()) {
                            sb.deleteCharAt(at);
                        }
                    }
                }
            }
            byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
            String refState;
            try {
                ref.parseWithJackson(body);
                refState = state(ref);
            } catch (Exception e) {
                refState = "failure";
            }
            String fastState;
            try {
                fast.parse(body);
                fastState = state(fast);
            } catch (Exception e) {
                fastState = "failure";
            }
            if (!refState.equals("failure")) {
                // Jackson reads only up to the record's closing brace: both must agree on what it read
                assertThat(fastState).as(sb.toString()).isEqualTo(refState);
                compared++;
            } else {
                assertThat(fastState).as(sb.toString()).isEqualTo("failure");
            }
        }
        assertThat(compared).isGreaterThan(3_000);
    }
}
