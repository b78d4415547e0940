package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.heartbeat.Migrations;
import dev.nervesys.heartbeat.PgDatabase;
import dev.nervesys.spi.Dialect;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The fleet view of docs/fleet.md against a real PostgreSQL with three agents, at a fixed "now". */
class FleetQueriesTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void latestBeatStaleAndOnNewest() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(pg.url());
            ds.setUser(PgDatabase.USER);
            Migrations.apply(ds, Dialect.POSTGRES);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                String cols = "INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, interval_seconds) VALUES ";
                String now = "TIMESTAMPTZ '2026-03-01 12:00:00+00'";
                st.execute(cols + "('a1','s1', " + now + " - interval '10 minutes','healthy','{\"cpu_percent\":1}','[]','rev1',60)");
                st.execute(cols + "('a1','s1', " + now + " - interval '5 seconds','degraded','{\"cpu_percent\":2,\"open_alerts\":7}','[{\"rule\":\"x\"}]','rev2',60)");
                st.execute(cols + "('a2','s2', " + now + " - interval '4 minutes','healthy','{}','[]','rev2',60)");
                st.execute(cols + "('a3','s3', " + now + " - interval '20 seconds','healthy','{}','[{\"rule\":\"y\"}]','rev1',60)");
            }
            try (Connection c = pg.connect()) {
                List<Map<String, Object>> rows = FleetQueries.fleet(c, NOW, null);
                assertThat(rows).extracting(r -> r.get("agent_id")).containsExactly("a1", "a2", "a3");
                // the true count of metrics.open_alerts wins over the (capped) list
                assertThat(rows.get(0)).containsEntry("status", "degraded").containsEntry("open_alerts", 7)
                        .containsEntry("stale", false).containsEntry("on_newest", true).containsEntry("cpu_percent", 2.0)
                        .containsEntry("age_seconds", 5.0);
                assertThat(rows.get(1)).containsEntry("stale", true).containsEntry("on_newest", true);
                assertThat(rows.get(2)).containsEntry("stale", false).containsEntry("on_newest", false).containsEntry("open_alerts", 1);
                assertThat(FleetQueries.fleet(c, NOW, "a2")).singleElement().satisfies(r -> assertThat(r).containsEntry("server", "s2"));
                assertThat(FleetQueries.fleet(c, NOW, "nobody")).isEmpty();
                assertThat(FleetQueries.newestRevision(c)).isEqualTo("rev2");
            }
        }
    }
}
