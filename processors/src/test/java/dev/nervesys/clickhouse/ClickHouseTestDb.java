package dev.nervesys.clickhouse;

import dev.nervesys.common.ClickHouseClient;
import java.time.Duration;
import java.util.UUID;

/** A database of its own on the real ClickHouse 18.16 (docker/services.sh), dropped by {@link #close}. */
public final class ClickHouseTestDb implements AutoCloseable {

    public static final String URL = System.getProperty("nervesys.test.clickhouse", "http://127.0.0.1:8123");
    public final String name = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    public final ClickHouseClient admin = new ClickHouseClient(URL, name, null, null, Duration.ofSeconds(30));

    public ClickHouseTestDb() throws Exception {
        admin.execute("CREATE DATABASE " + name);
    }

    public long count(String sql) throws Exception {
        return Long.parseLong(admin.execute(sql.replace("{db}", name)).trim());
    }

    public String query(String sql) throws Exception {
        return admin.execute(sql.replace("{db}", name));
    }

    @Override
    public void close() throws Exception {
        admin.execute("DROP DATABASE IF EXISTS " + name);
    }
}
