package dev.nervesys.clickhouse;

import java.io.IOException;
import java.util.List;

/**
 * The tables, created on start (docs/clickhouse.md). 18.16: plain DateTime plus a nanoseconds
 * column (no DateTime64), no codecs, no LowCardinality (experimental there).
 */
public final class ClickHouseSchema {

    private ClickHouseSchema() {
    }

    public static List<String> statements(ClickHouseClient ch) {
        return List.of(
                "CREATE DATABASE IF NOT EXISTS `" + ch.database().replace("`", "\\`") + "`",
                "CREATE TABLE IF NOT EXISTS " + ch.table("events") + " ("
                        + " run_id String, source String, type Enum8('update' = 1, 'event' = 2), frame UInt64,"
                        + " time DateTime, time_ns UInt32, seq Int64, fields String, buffer_id UInt64, received_at DateTime"
                        + ") ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (run_id, frame, source)",
                "CREATE TABLE IF NOT EXISTS " + ch.table("series") + " ("
                        + " run_id String, series String, frame UInt64, time DateTime, time_ns UInt32, value Float64,"
                        + " buffer_id UInt64"
                        + ") ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (run_id, series, frame)",
                "CREATE TABLE IF NOT EXISTS " + ch.table("runs") + " ("
                        + " run_id String, name String, engine String, parameters String, status Enum8('live' = 1, 'ended' = 2),"
                        + " started_at DateTime, ended_at DateTime, end_reason String, version UInt64"
                        + ") ENGINE = ReplacingMergeTree(version) ORDER BY run_id");
    }

    public static void create(ClickHouseClient ch) throws IOException, ClickHouseException {
        for (String ddl : statements(ch)) {
            ch.execute(ddl);
        }
    }
}
