package dev.nervesys.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nervesys-data-path on a real buffer file (docs/operations.md, "Health: liveness, readiness,
 * degraded"): a full buffer under reject is not ready but alive, under drop-oldest it stays ready;
 * a data dir that cannot be written is neither.
 */
class DataPathHealthCheckTest {

    @TempDir
    Path tmp;

    @Test
    void aFullBufferUnderRejectIsNotReadyButAliveAndReadyAgainOnceDrained() throws Exception {
        try (RecordBuffer buffer = RecordBuffer.open(tmp.resolve("buffer/buffer.db"), 1 << 20, WhenFull.REJECT, 10);
             DefaultCamelContext ctx = new DefaultCamelContext()) {
            DataPathHealthCheck check = new DataPathHealthCheck(buffer, tmp);
            check.setCamelContext(ctx);
            HealthCheck.Result empty = check.callReadiness();
            assertThat(empty.getState()).as(empty.getMessage().orElse("")).isEqualTo(HealthCheck.State.UP);
            fill(buffer);
            HealthCheck.Result ready = check.callReadiness();
            assertThat(ready.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(ready.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("the buffer is full")
                    .contains("whenFull=reject"));
            assertThat(ready.getDetails()).containsEntry("bufferAccepting", false).containsEntry("whenFull", "reject");
            assertThat(check.callLiveness().getState()).as("a restart would not help").isEqualTo(HealthCheck.State.UP);

            // the consumer ships everything: ready again without any new append
            buffer.registerConsumer("test");
            buffer.acknowledge("test", Long.MAX_VALUE / 2, null);
            assertThat(check.callReadiness().getState()).isEqualTo(HealthCheck.State.UP);
        }
    }

    @Test
    void aFullBufferUnderDropOldestStaysReady() throws Exception {
        try (RecordBuffer buffer = RecordBuffer.open(tmp.resolve("buffer/buffer.db"), 1 << 20, WhenFull.DROP_OLDEST, 10);
             DefaultCamelContext ctx = new DefaultCamelContext()) {
            DataPathHealthCheck check = new DataPathHealthCheck(buffer, tmp);
            check.setCamelContext(ctx);
            for (int i = 0; i < 1000 && buffer.dropped() == 0; i++) {
                buffer.append(kinds(200), bodies(200));
            }
            assertThat(buffer.dropped()).as("the cap was reached").isPositive();
            HealthCheck.Result ready = check.callReadiness();
            assertThat(ready.getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(ready.getDetails()).containsEntry("bufferAccepting", true).containsEntry("whenFull", "drop-oldest");
        }
    }

    @Test
    void aDataDirThatCannotBeWrittenIsNeitherLiveNorReady() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("data"), "a file where the data dir should be");
        try (RecordBuffer buffer = RecordBuffer.open(tmp.resolve("buffer/buffer.db"), 1 << 20, WhenFull.REJECT, 10);
             DefaultCamelContext ctx = new DefaultCamelContext()) {
            DataPathHealthCheck check = new DataPathHealthCheck(buffer, notADir);
            check.setCamelContext(ctx);
            for (HealthCheck.Result r : List.of(check.callLiveness(), check.callReadiness())) {
                assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(r.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("the data dir " + notADir)
                        .contains("cannot be written"));
            }
        }
    }

    private static void fill(RecordBuffer buffer) {
        for (int i = 0; i < 1000; i++) {
            try {
                buffer.append(kinds(200), bodies(200));
            } catch (BufferFullException e) {
                return;
            }
        }
        throw new AssertionError("the buffer never filled up");
    }

    private static List<RecordKind> kinds(int n) {
        return new ArrayList<>(Collections.nCopies(n, RecordKind.LOG));
    }

    private static List<byte[]> bodies(int n) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(("{\"message\":\"" + UUID.randomUUID() + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
