package dev.nervesys.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.ClickHouseTestDb;
import dev.nervesys.common.ClickHouseClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Run comparison and the SQL helpers of docs/runs.md on the real ClickHouse 18.16 (a database of its own). */
class RunComparisonTest {

    private static ClickHouseTestDb db;
    private static ClickHouseClient ch;

    @BeforeAll
    static void data() throws Exception {
        db = new ClickHouseTestDb();
        ch = new ClickHouseClient(ClickHouseTestDb.URL, db.name, null, null, Duration.ofSeconds(30));
        ClickHouseSchema.create(ch);
        // run a: frames 0..99 of engine.rpm = frame, engine.temp = 80; run b: frames 10..109 of
        // engine.rpm = frame + 2 (frame 50: +12), engine.temp = 81; only a has gear.n
        db.query("INSERT INTO {db}.series SELECT 'a', 'engine.rpm', number, toDateTime('2025-12-10 12:00:00', 'UTC'), 0, number, number"
                + " FROM system.numbers LIMIT 100");
        db.query("INSERT INTO {db}.series SELECT 'a', 'engine.temp', number, toDateTime('2025-12-10 12:00:00', 'UTC'), 0, 80, number"
                + " FROM system.numbers LIMIT 100");
        db.query("INSERT INTO {db}.series SELECT 'a', 'gear.n', number, toDateTime('2025-12-10 12:00:00', 'UTC'), 0, 3, number"
                + " FROM system.numbers LIMIT 5");
        db.query("INSERT INTO {db}.series SELECT 'b', 'engine.rpm', number + 10, toDateTime('2025-12-10 12:00:00', 'UTC'), 0,"
                + " number + 10 + if(number + 10 = 50, 12, 2), number FROM system.numbers LIMIT 100");
        db.query("INSERT INTO {db}.series SELECT 'b', 'engine.temp', number + 10, toDateTime('2025-12-10 12:00:00', 'UTC'), 0, 81, number"
                + " FROM system.numbers LIMIT 100");
        db.query("INSERT INTO {db}.runs (run_id, name, engine, parameters, status, started_at, ended_at, end_reason, version) VALUES ('a', 'run a', 'v8', '{}', 'ended', toDateTime('2025-12-10 12:00:00', 'UTC'),"
                + " toDateTime('2025-12-10 12:01:00', 'UTC'), 'api', 1)");
        db.query("INSERT INTO {db}.runs (run_id, name, engine, parameters, status, started_at, ended_at, end_reason, version) VALUES ('b', 'run b', 'v8', '{}', 'live', toDateTime('2025-12-10 13:00:00', 'UTC'),"
                + " toDateTime(0), '', 1)");
    }

    @AfterAll
    static void drop() throws Exception {
        db.close();
    }

    @Test
    void perSeriesPointsStatisticsDifferencesAndMissingFrames() throws Exception {
        List<RunComparison.Row> rows = RunComparison.compare(ch, "a", "b");
        assertThat(rows).extracting(RunComparison.Row::series).containsExactly("engine.rpm", "engine.temp", "gear.n");
        RunComparison.Row rpm = rows.get(0);
        assertThat(rpm.a().points()).isEqualTo(100);
        assertThat(rpm.b().points()).isEqualTo(100);
        assertThat(rpm.aligned()).isEqualTo(90); // frames 10..99
        assertThat(rpm.a().mean()).isCloseTo(49.5, within(1e-9));
        assertThat(rpm.a().min()).isEqualTo(0.0);
        assertThat(rpm.a().max()).isEqualTo(99.0);
        assertThat(rpm.b().min()).isEqualTo(12.0);
        assertThat(rpm.b().max()).isEqualTo(111.0);
        assertThat(rpm.meanAbsDiff()).isCloseTo((89 * 2 + 12) / 90.0, within(1e-9));
        assertThat(rpm.maxAbsDiff()).isEqualTo(12.0);
        assertThat(rpm.worstFrame()).isEqualTo(50);
        assertThat(rpm.missingInB()).isEqualTo(10); // a's frames 0..9
        assertThat(rpm.missingInA()).isEqualTo(10); // b's frames 100..109
        RunComparison.Row temp = rows.get(1);
        assertThat(temp.meanAbsDiff()).isEqualTo(1.0);
        RunComparison.Row gear = rows.get(2);
        assertThat(gear.a().points()).isEqualTo(5);
        assertThat(gear.b().points()).isZero();
        assertThat(gear.aligned()).isZero();
        assertThat(gear.missingInB()).isEqualTo(5);
        assertThat(Double.isNaN(gear.meanAbsDiff())).isTrue();
    }

    /** Every ```sql block of docs/runs.md runs on 18.16 (database nervesys replaced, runs r1/r2 by a/b). */
    @Test
    void theSqlHelpersOfTheDocsRun() throws Exception {
        String doc = Files.readString(Path.of("../docs/runs.md"));
        Matcher m = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        List<String> answers = new ArrayList<>();
        while (m.find()) {
            String sql = m.group(1).trim().replaceAll(";$", "").replace("nervesys.", "`" + db.name + "`.")
                    .replace("'r1'", "'a'").replace("'r2'", "'b'").replace("'engine-0.rpm'", "'engine.rpm'");
            answers.add(ch.execute(sql + " FORMAT TSV"));
        }
        assertThat(answers).hasSize(3);
        // extract: 100 points of a's engine.rpm in frame order
        String[] extract = answers.get(0).split("\n");
        assertThat(extract).hasSize(100);
        assertThat(extract[99]).startsWith("99\t");
        // compare: engine.rpm and engine.temp aligned on 90 frames, the worst at frame 50
        String[] compare = answers.get(1).split("\n");
        assertThat(compare).hasSize(2);
        assertThat(compare[0].split("\t")).startsWith("engine.rpm", "90").endsWith("12", "50");
        // summary: newest run first, with its series, points and frames
        String[] summary = answers.get(2).split("\n");
        assertThat(summary).hasSize(2);
        assertThat(summary[0]).startsWith("b\trun b\tlive");
        assertThat(summary[1].split("\t")).startsWith("a", "run a", "ended").endsWith("3", "205", "100");
    }
}
