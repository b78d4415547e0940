package dev.nervesys.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.spi.RecordKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one series the sink's duplicate check of {@code series} reads per run (KafkaSink.commonSeries). */
class SeriesCheckNameTest {

    private static BufferedRecord record(long id, String fields) {
        return new BufferedRecord(id, RecordKind.TELEMETRY, 0, ("{\"run_id\":\"r1\",\"source\":\"engine\",\"type\":\"update\",\"frame\":" + id
                + ",\"time\":1765368000000000000,\"fields\":{" + fields + "}}").getBytes(StandardCharsets.UTF_8));
    }

    private static RowEncoder.Batch encode(String... fields) {
        List<BufferedRecord> rows = new ArrayList<>();
        for (int i = 0; i < fields.length; i++) {
            rows.add(record(i + 1, fields[i]));
        }
        return RowEncoder.encode(rows, true, true);
    }

    @Test
    void theFirstSeriesWhenEveryRecordHasIt() {
        assertThat(KafkaSink.commonSeries(encode("\"rpm\":1,\"temp\":2", "\"rpm\":3,\"temp\":4", "\"temp\":5,\"rpm\":6")))
                .isEqualTo("engine.rpm");
    }

    @Test
    void aLaterSeriesOfTheFirstRecordWhenTheFirstIsMissingSomewhere() {
        assertThat(KafkaSink.commonSeries(encode("\"rpm\":1,\"temp\":2", "\"temp\":4", "\"oil\":1,\"temp\":5"))).isEqualTo("engine.temp");
    }

    @Test
    void recordsWithoutSeriesRowsDoNotCount() {
        assertThat(KafkaSink.commonSeries(encode("\"label\":\"a\"", "\"rpm\":1", "", "\"rpm\":2,\"x\":3"))).isEqualTo("engine.rpm");
    }

    @Test
    void noneWhenNoSeriesIsCommonOrThereAreNoRows() {
        assertThat(KafkaSink.commonSeries(encode("\"rpm\":1", "\"temp\":2"))).isNull();
        assertThat(KafkaSink.commonSeries(encode("", "\"label\":\"x\""))).isNull();
    }

    @Test
    void longNamesWithMultiByteLengths() {
        String name = "n".repeat(300);
        assertThat(KafkaSink.commonSeries(encode("\"" + name + "\":1,\"b\":2", "\"b\":1,\"" + name + "\":3"))).isEqualTo("engine." + name);
    }

    @Test
    void oneSeriesOnlyWhileThePollsSeriesRowsFitOneInsertBlock() {
        List<RowEncoder.Batch> poll = List.of(encode("\"rpm\":1,\"temp\":2", "\"rpm\":3"), encode("\"rpm\":4,\"temp\":5"));
        assertThat(poll.get(0).seriesRows + poll.get(1).seriesRows).isEqualTo(5);
        assertThat(KafkaSink.oneBlock(poll, 5)).isTrue();
        assertThat(KafkaSink.oneBlock(poll, 4)).as("split into blocks: every series is checked").isFalse();
        assertThat(KafkaSink.ONE_BLOCK_ROWS).isEqualTo(1_048_576);
    }
}
