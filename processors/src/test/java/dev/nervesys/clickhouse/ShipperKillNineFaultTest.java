package dev.nervesys.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.buffer.WhenFull;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import dev.nervesys.spi.RecordKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of bench/validation/fault-restart.py for the ClickHouse shipper: a separate JVM
 * appends telemetry to the buffer and ships it to the real ClickHouse, and is killed with SIGKILL
 * while it does, again and again; a last run drains. Every record committed to the buffer is in
 * ClickHouse exactly once (count() = uniqExact(seq), no gap), although kills land while batches are
 * in flight (the cursor state is found "unconfirmed" after some of them, sometimes with the batch
 * already in ClickHouse: the shipper then asks ClickHouse which records of it are there).
 */
class ShipperKillNineFaultTest {

    @TempDir
    Path dir;

    /** The child: args = buffer file, ClickHouse URL, database, dead-letter file, first seq (-1 = drain only). */
    public static void main(String[] args) throws Exception {
        RecordBuffer buffer = RecordBuffer.open(Path.of(args[0]), 256L << 20, WhenFull.REJECT, 5);
        ClickHouseSettings s = new ClickHouseSettings(args[1], args[2], null, null, 500, Duration.ofMillis(20),
                Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofMillis(200), Path.of(args[3]),
                Duration.ofMinutes(15));
        DeadLetters dead = new DeadLetters(Path.of(args[3]));
        ClickHouseShipper shipper = new ClickHouseShipper(buffer, s, new ClickHouseClient(args[1], args[2], null, null, s.timeout()),
                dead, 16L << 20, java.time.Clock.systemUTC());
        long first = Long.parseLong(args[4]);
        if (first >= 0) {
            Thread appender = new Thread(() -> {
                long seq = first;
                try {
                    while (true) {
                        List<byte[]> bodies = new ArrayList<>();
                        for (int i = 0; i < 100; i++, seq++) {
                            bodies.add(ClickHouseShipperTest.record("kill", "s" + (seq % 3), seq));
                        }
                        buffer.append(Collections.nCopies(bodies.size(), RecordKind.TELEMETRY), bodies);
                        // the last committed seq, in a file replaced atomically: a SIGKILL loses at most this one
                        // update (the kernel keeps what was written), while lines still in the stdout pipe can be
                        // lost when the JDK drains the pipe of a killed process under the test's reader
                        Path to = committedFile(Path.of(args[0]));
                        Path tmp = Files.writeString(to.resolveSibling(to.getFileName() + ".tmp"), Long.toString(seq - 1));
                        Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        System.out.println("COMMITTED " + (seq - 1));
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    System.out.println("APPEND FAILED " + e);
                }
            });
            appender.setDaemon(true);
            appender.start();
        }
        System.out.println("READY");
        while (true) {
            shipper.tick();
            if (first < 0 && shipper.pendingRows() == 0 && shipper.consecutiveFailures() == 0) {
                System.out.println("DRAINED");
                buffer.close();
                return;
            }
            Thread.sleep(5);
        }
    }

    /** Where the child writes the last seq it committed to the buffer. */
    static Path committedFile(Path buffer) {
        return buffer.resolveSibling(buffer.getFileName() + ".committed");
    }

    private record Child(Process process, AtomicLong committed, StringBuilder output, Thread[] reader) {

        /** Everything the child printed has been read: its output pipe is at its end. */
        void drained() throws InterruptedException {
            reader[0].join(30_000);
            assertThat(reader[0].isAlive()).as("the child's output was read to its end").isFalse();
        }
    }

    private Child start(ClickHouseTestDb db, long firstSeq) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), getClass().getName(),
                dir.resolve("buffer.db").toString(), ClickHouseTestDb.URL, db.name, dir.resolve("dead.db").toString(),
                Long.toString(firstSeq)).redirectErrorStream(true).start();
        Child c = new Child(p, new AtomicLong(-1), new StringBuilder(), new Thread[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("COMMITTED ")) {
                        c.committed.set(Long.parseLong(line.substring(10)));
                    } else {
                        synchronized (c.output) {
                            c.output.append(line).append('\n');
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // the child was killed
            }
        });
        reader.setDaemon(true);
        c.reader[0] = reader;
        reader.start();
        return c;
    }

    /** The ClickHouse cursor's state as committed in the buffer file, read by a connection of the test's own. */
    private String cursorState() {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("buffer.db"));
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT state FROM cursors WHERE name = 'clickhouse'")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (java.sql.SQLException e) {
            return null; // busy: try again
        }
    }

    /** Events of the run from {@code first} in ClickHouse; 0 while the child has not created the table yet. */
    private static long shipped(ClickHouseTestDb db, long first) throws Exception {
        try {
            return db.count("SELECT count() FROM {db}.events WHERE seq >= " + first + " AND seq < " + (first + 1_000_000));
        } catch (ClickHouseException e) {
            return 0;
        }
    }

    private final List<Process> children = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly); // a failed assertion must not leave an appending JVM behind
    }

    @Test
    void killedWhileShippingEveryCommittedRecordLandsOnce() throws Exception {
        try (ClickHouseTestDb db = new ClickHouseTestDb()) {
            List<long[]> runs = new ArrayList<>(); // {first seq, last seq reported committed}
            int unconfirmedAtKill = 0;
            int alreadyHeld = 0;
            for (int k = 0; k < 3; k++) {
                long first = k * 1_000_000L;
                Child c = start(db, first);
                children.add(c.process);
                // wait until it has shipped something of this run (a loaded machine starts a JVM slowly) ...
                long deadline = System.currentTimeMillis() + 45_000;
                while (System.currentTimeMillis() < deadline && shipped(db, first) < 500) {
                    Thread.sleep(50);
                }
                assertThat(shipped(db, first)).as("run %d shipped; output:%n%s", k, c.output).isGreaterThanOrEqualTo(500);
                // ... then kill it while a batch is in flight: the cursor state says so (read by a second connection)
                deadline = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < deadline && !unconfirmed(cursorState())) {
                    Thread.sleep(1);
                }
                c.process.destroyForcibly(); // SIGKILL
                c.process.waitFor();
                // the last COMMITTED lines may still be in the pipe (a loaded machine): read them all
                // before taking the last one, so that at most one batch was committed but not printed
                c.drained();
                long committed = Long.parseLong(Files.readString(committedFile(dir.resolve("buffer.db"))).trim());
                assertThat(committed).as("run %d committed records; output:%n%s", k, c.output)
                        .isGreaterThanOrEqualTo(first).isGreaterThanOrEqualTo(c.committed.get());
                runs.add(new long[] {first, committed});
                try (RecordBuffer b = RecordBuffer.open(dir.resolve("buffer.db"), 256L << 20, WhenFull.REJECT, 5)) {
                    if (unconfirmed(b.consumerState("clickhouse"))) {
                        unconfirmedAtKill++;
                        // records that landed although the kill took the answer: the restart must not send them again
                        if (db.count("SELECT count() FROM {db}.events WHERE buffer_id > " + b.position("clickhouse")) > 0) {
                            alreadyHeld++;
                        }
                    }
                }
            }
            Child drain = start(db, -1);
            children.add(drain.process);
            assertThat(drain.process.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)).as("drained").isTrue();
            assertThat(drain.output.toString()).contains("DRAINED");

            assertThat(unconfirmedAtKill).as("kills that landed with a batch in flight").isGreaterThanOrEqualTo(2);
            for (long[] run : runs) {
                String[] f = db.query("SELECT count(), uniqExact(seq), min(seq), max(seq) FROM {db}.events WHERE seq >= " + run[0]
                        + " AND seq < " + (run[0] + 1_000_000) + " FORMAT TabSeparated").trim().split("\t");
                long count = Long.parseLong(f[0]);
                long uniq = Long.parseLong(f[1]);
                long min = Long.parseLong(f[2]);
                long max = Long.parseLong(f[3]);
                assertThat(count).as("run from %d: no record twice", run[0]).isEqualTo(uniq);
                assertThat(min).isEqualTo(run[0]);
                assertThat(uniq).as("run from %d: no gap", run[0]).isEqualTo(max - min + 1);
                // everything reported committed is there; at most the one batch committed but not yet reported beyond it
                assertThat(max).as("run from %d", run[0]).isBetween(run[1], run[1] + 100);
            }
            long series = db.count("SELECT count() FROM {db}.series");
            long seriesUniq = db.count("SELECT uniqExact(buffer_id, series) FROM {db}.series");
            assertThat(series).as("series rows, none twice").isEqualTo(seriesUniq);
            System.out.printf("ShipperKillNineFaultTest: %d kills, %d with a batch in flight, %d with (part of) it already in ClickHouse%n",
                    runs.size(), unconfirmedAtKill, alreadyHeld);
        }
    }

    /** The cursor state while a batch is on its way: {@code unconfirmed:<last id of the attempt>}. */
    private static boolean unconfirmed(String state) {
        return state != null && state.startsWith("unconfirmed");
    }
}
