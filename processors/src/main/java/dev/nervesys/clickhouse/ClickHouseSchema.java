package dev.nervesys.clickhouse;

import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.common.ClickHouseException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
                        + RUNS_ADDED.entrySet().stream().map(e -> ", " + e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining())
                        + ") ENGINE = ReplacingMergeTree(version) ORDER BY run_id");
    }

    /**
     * Columns of {@code runs} added after its first version, added to an existing table on start
     * (18.16 has no {@code ADD COLUMN IF NOT EXISTS}): times in epoch milliseconds (DateTime keeps
     * seconds; older rows get theirs from the DateTime columns) and the agent that wrote the row.
     */
    static final Map<String, String> RUNS_ADDED = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(Map.of(
            "started_ms", "UInt64 DEFAULT toUInt64(started_at) * 1000",
            "ended_ms", "UInt64 DEFAULT toUInt64(ended_at) * 1000",
            "last_seen_ms", "UInt64 DEFAULT greatest(toUInt64(started_at), toUInt64(ended_at)) * 1000",
            "agent", "String")));

    /** The column types RowBinary rows are written for (as DESCRIBE TABLE names them). */
    private static final Map<String, Map<String, String>> BINARY_TYPES = Map.of(
            "events", Map.of("run_id", "String", "source", "String", "type", "Enum8", "frame", "UInt64", "time", "DateTime",
                    "time_ns", "UInt32", "seq", "Int64", "fields", "String", "buffer_id", "UInt64", "received_at", "DateTime"),
            "series", Map.of("run_id", "String", "series", "String", "frame", "UInt64", "time", "DateTime", "time_ns", "UInt32",
                    "value", "Float64", "buffer_id", "UInt64"));
    private static final Pattern ENUM_ELEMENT = Pattern.compile("'((?:[^'\\\\]|\\\\.)*)' = (-?\\d+)");

    /**
     * Whether the table, as it is now, takes the RowBinary rows of {@link RowEncoder}: every column
     * written there exists with exactly that type (RowBinary carries no names or types, so a column an
     * operator changed, say String to Enum8, would be read from the wrong bytes). {@code type} must be an
     * Enum8 with 'update' = 1 and 'event' = 2 (18.16 stores an Enum8 value its column does not list
     * from RowBinary without complaint, so a narrowed enum would take garbage where JSONEachRow is
     * refused by name); other columns may be added (the INSERT names its columns). When false, the table is written as JSONEachRow, which
     * ClickHouse converts by column name.
     */
    public static boolean rowBinaryFits(ClickHouseClient ch, String table) throws IOException, ClickHouseException {
        Map<String, String> want = BINARY_TYPES.get(table);
        Map<String, String> have = new HashMap<>();
        for (String line : ch.execute("DESCRIBE TABLE " + ch.table(table) + " FORMAT TSVRaw").split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 2) {
                have.put(f[0], f[1]);
            }
        }
        for (Map.Entry<String, String> c : want.entrySet()) {
            String type = have.get(c.getKey());
            if (type == null) {
                return false;
            }
            if (c.getValue().equals("Enum8")) {
                if (!type.startsWith("Enum8(")) {
                    return false;
                }
                Matcher m = ENUM_ELEMENT.matcher(type);
                int found = 0;
                while (m.find()) {
                    String name = m.group(1);
                    int value = Integer.parseInt(m.group(2));
                    if ((name.equals("update") && value != 1) || (name.equals("event") && value != 2)
                            || (value == 1 && !name.equals("update")) || (value == 2 && !name.equals("event"))) {
                        return false;
                    }
                    found += name.equals("update") || name.equals("event") ? 1 : 0;
                }
                if (found != 2) {
                    return false;
                }
            } else if (!type.equals(c.getValue())) {
                return false;
            }
        }
        return true;
    }

    public static void create(ClickHouseClient ch) throws IOException, ClickHouseException {
        for (String ddl : statements(ch)) {
            ch.execute(ddl);
        }
        java.util.Set<String> have = new java.util.HashSet<>();
        for (String line : ch.execute("DESCRIBE TABLE " + ch.table("runs") + " FORMAT TSVRaw").split("\n")) {
            have.add(line.split("\t")[0]);
        }
        for (String column : List.of("started_ms", "ended_ms", "last_seen_ms", "agent")) {
            if (!have.contains(column)) {
                ch.execute("ALTER TABLE " + ch.table("runs") + " ADD COLUMN " + column + " " + RUNS_ADDED.get(column));
            }
        }
    }
}
