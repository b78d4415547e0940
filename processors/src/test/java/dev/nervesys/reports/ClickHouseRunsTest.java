package dev.nervesys.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The reports' runs section on the real ClickHouse 18.16, through the shared ClickHouse client. */
class ClickHouseRunsTest {

    @Test
    void countsRecordsPerRunOfThePeriod() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            db.query("CREATE TABLE {db}.series (run_id String, ts DateTime) ENGINE = Memory");
            db.query("INSERT INTO {db}.series VALUES ('run-b', 1767225600), ('run-a', 1767225601), ('run-a', 1767229199),"
                    + " ('run-a', 1767229200), ('run-c', 1767225599)");
            String query = ClickHouseRuns.DEFAULT_QUERY.replace("FROM series", "FROM " + db.name + ".series");
            // a trailing slash on the URL, as operators write it
            ClickHouseRuns runs = new ClickHouseRuns(ClickHouseTestDb.URL + "/", null, null, query);

            assertThat(runs.counts(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T01:00:00Z")))
                    .containsExactly(new FleetReport.RunCount("run-a", 2), new FleetReport.RunCount("run-b", 1));
            assertThat(runs.counts(Instant.parse("2026-02-01T00:00:00Z"), Instant.parse("2026-02-02T00:00:00Z"))).isEmpty();
        }
    }

    @Test
    void aFailedQuerySaysWhatClickHouseAnswered() {
        ClickHouseRuns runs = new ClickHouseRuns(ClickHouseTestDb.URL, null, null,
                "SELECT run_id, count() FROM no_such_db_for_reports.series WHERE ts >= {from} AND ts < {to} GROUP BY run_id");
        assertThatThrownBy(() -> runs.counts(Instant.EPOCH, Instant.EPOCH.plusSeconds(60)))
                .isInstanceOf(ClickHouseException.class)
                .hasMessageStartingWith("ClickHouse answered ")
                .hasMessageContaining("no_such_db_for_reports");
    }
}
