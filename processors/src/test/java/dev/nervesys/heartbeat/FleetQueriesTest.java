package dev.nervesys.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.spi.Dialect;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The fleet view of docs/fleet.md against a real PostgreSQL with three agents. */
class FleetQueriesTest {

    @Test
    void latestBeatSilentAndBehind() throws Exception {
        try (PgDatabase pg = new PgDatabase()) {
            DataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ((org.postgresql.ds.PGSimpleDataSource) ds).setURL(pg.url());
            ((org.postgresql.ds.PGSimpleDataSource) ds).setUser(PgDatabase.USER);
            Migrations.apply(ds, Dialect.POSTGRES);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                String cols = "INSERT INTO agent_status (agent_id, server, ts, status, metrics, alerts, config_revision, interval_seconds) VALUES ";
                st.execute(cols + "('a1','s1', now() - interval '10 minutes','healthy','{\"cpu_percent\":1}','[]','rev1',60)");
                st.execute(cols + "('a1','s1', now() - interval '5 seconds','degraded','{\"cpu_percent\":2}','[{\"rule\":\"x\"}]','rev2',60)");
                st.execute(cols + "('a2','s2', now() - interval '4 minutes','healthy','{}','[]','rev2',60)");
                st.execute(cols + "('a3','s3', now() - interval '20 seconds','healthy','{}','[]','rev1',60)");
            }
            try (Connection c = pg.connect()) {
                List<Map<String, Object>> rows = FleetQueries.fleet(c);
                assertThat(rows).extracting(r -> r.get("agent_id")).containsExactly("a1", "a2", "a3");
                assertThat(rows.get(0)).containsEntry("status", "degraded").containsEntry("open_alerts", 1)
                        .containsEntry("silent", false).containsEntry("behind", false).containsEntry("cpu", "2");
                assertThat(rows.get(1)).containsEntry("silent", true).containsEntry("behind", false);
                assertThat(rows.get(2)).containsEntry("silent", false).containsEntry("behind", true);
            }
        }
    }
}
