package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.common.Telemetry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Kafka key's run id: the scanner where it is sure, Jackson otherwise, always Jackson's answer. */
class RunKeyTest {

    private static String both(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String run = RunKey.runId(body);
        assertThat(run).as(json).isEqualTo(RunKey.jackson(body));
        return run;
    }

    private static boolean scanned(String json) {
        return Telemetry.runIdBounds(json.getBytes(StandardCharsets.UTF_8)) >= 0;
    }

    @Test
    void theFirstTopLevelRunIdAsJacksonReadsIt() {
        String rec = "{\"run_id\":\"r-1\",\"source\":\"e\",\"fields\":{\"run_id\":\"inner\"}}";
        assertThat(both(rec)).isEqualTo("r-1");
        assertThat(scanned(rec)).isTrue();
        String later = "{\"source\":\"e\",\"fields\":{\"run_id\":\"inner\",\"a\":[1,{\"b\":null}]},\"run_id\":\"läuf\"}";
        assertThat(both(later)).isEqualTo("läuf");
        assertThat(scanned(later)).isTrue();
        assertThat(both("{\"run_id\":\"a\",\"run_id\":\"b\"}")).isEqualTo("a");
        // escapes, other types, no run id, broken JSON: Jackson's answer ("" when it has none)
        assertThat(both("{\"run_id\":\"r\\u0031\"}")).isEqualTo("r1");
        assertThat(scanned("{\"run_id\":\"r\\u0031\"}")).isFalse();
        assertThat(both("{\"run_id\":7}")).isEmpty();
        assertThat(both("{\"run_id\":null}")).isEmpty();
        assertThat(both("{\"level\":\"info\",\"message\":\"m\"}")).isEmpty();
        assertThat(both("{\"a\":tru,\"run_id\":\"x\"}")).isEmpty();
        assertThat(both("{\"run_id\":\"x\",\"a\":tru}")).isEqualTo("x"); // Jackson stops at run_id
        assertThat(both("[\"run_id\"]")).isEmpty();
        assertThat(both("")).isEmpty();
        assertThat(both("{\"r\\u0075n_id\":\"esc\"}")).isEqualTo("esc");
        assertThat(both("{\"run_id\":\"tab\there\"}")).isEmpty(); // a raw control character: Jackson refuses the string
    }
}
