package dev.nervesys.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The performance page's arithmetic: differences of Camel's counters between two beats, restarts, the fleet's ranking. */
class PerformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant FROM = Instant.parse("2026-02-01T11:00:00Z");

    private static JsonNode j(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void differencesOverThePeriodAndCountersSinceARestart() throws Exception {
        JsonNode first = j("{\"a\":{\"n\":1000,\"f\":2,\"mean\":4,\"max\":40,\"up\":3000},\"b\":{\"n\":500,\"f\":0,\"mean\":10,\"max\":20,\"up\":3000}}");
        JsonNode last = j("{\"a\":{\"n\":7000,\"f\":5,\"mean\":5,\"max\":60,\"up\":5940},\"b\":{\"n\":30,\"f\":0,\"mean\":7,\"max\":9,\"up\":120},"
                + "\"c\":{\"n\":10,\"f\":10,\"mean\":1,\"max\":2,\"up\":100000}}");
        List<Performance.Figures> f = Performance.figures("x", last, first, Instant.parse("2026-02-01T11:59:00Z"),
                Instant.parse("2026-02-01T11:10:00Z"), FROM);
        // a: 6000 exchanges in 49 min; mean of the period = (5 x 7000 - 4 x 1000) / 6000
        assertThat(f.get(0)).isEqualTo(new Performance.Figures("x", "a", 6000, 3, 122.4, 5.2, 60, false));
        // b restarted (count went down): its counters since the restart, over its 120 s of uptime
        assertThat(f.get(1)).isEqualTo(new Performance.Figures("x", "b", 30, 0, 15.0, 7.0, 9, true));
        // c is new since the first beat: its counters, over the period at most (59 min), not its whole uptime
        assertThat(f.get(2)).isEqualTo(new Performance.Figures("x", "c", 10, 10, 0.2, 1.0, 2, true));
    }

    @Test
    void theFleetsRoutesSlowestFirstWithTheMeanWeightedByExchanges() {
        List<Map<String, Object>> fleet = Performance.fleet(List.of(
                new Performance.Figures("x", "a", 6000, 3, 122.4, 5.2, 60, false),
                new Performance.Figures("y", "a", 600, 0, 60, 3, 9, true),
                new Performance.Figures("x", "b", 50, 1, 1, 920, 3000, false),
                new Performance.Figures("y", "idle", 0, 0, 0, 0, 0, false)));
        assertThat(fleet).extracting(m -> m.get("route")).containsExactly("b", "a", "idle");
        assertThat(fleet.get(1)).containsEntry("agents", 2L).containsEntry("exchanges", 6600L).containsEntry("failed", 3L)
                .containsEntry("perMinute", 182.4).containsEntry("meanMs", 5.0).containsEntry("maxMs", 60L).containsEntry("failedPercent", 0.0);
        assertThat(fleet.get(0)).containsEntry("failedPercent", 2.0).containsEntry("meanMs", 920.0);
    }
}
