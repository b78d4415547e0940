package dev.nervesys.alerts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Table alert_silence of the status database (docs/alerts.md, "Silences"), where the alert history
 * lives: the {@code nervesys alerts} commands write it, every agent reading that database applies
 * it (route alerts-silences, {@link AlertService#silences}). Timestamps are TEXT (ISO-8601) on SQLite
 * and timestamptz on PostgreSQL; {@link #instant} reads both.
 */
public final class SilenceStore {

    static final String COLUMNS = "id, matchers, starts_at, ends_at, created_by, comment, created_at, expired_at";

    private final Connection c;
    private final boolean postgres;

    public SilenceStore(Connection c) throws SQLException {
        this.c = c;
        this.postgres = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
    }

    public Silence create(Map<String, String> matchers, Instant now, Duration duration, String createdBy, String comment)
            throws SQLException {
        Silence s = new Silence(UUID.randomUUID().toString().substring(0, 8), matchers, now, now.plus(duration),
                createdBy, comment, now, null);
        try (PreparedStatement p = c.prepareStatement("INSERT INTO alert_silence (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL)")) {
            p.setString(1, s.id());
            p.setString(2, s.matchersJson());
            p.setObject(3, time(s.startsAt()));
            p.setObject(4, time(s.endsAt()));
            p.setString(5, createdBy);
            p.setString(6, comment);
            p.setObject(7, time(now));
            p.executeUpdate();
        }
        return s;
    }

    /** Silences not expired and not ended at {@code now}, oldest first (with {@code all}: every one). */
    public List<Silence> list(Instant now, boolean all) throws SQLException {
        List<Silence> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM alert_silence ORDER BY created_at, id");
             ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                Silence s = of(rs.getString(1), rs.getString(2), rs.getObject(3), rs.getObject(4), rs.getString(5),
                        rs.getString(6), rs.getObject(7), rs.getObject(8));
                if (all || (s.expiredAt() == null && now.isBefore(s.endsAt()))) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Expires a silence now; false when there is no such silence or it was expired already. */
    public boolean expire(String id, Instant now) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE alert_silence SET expired_at = ? WHERE id = ? AND expired_at IS NULL")) {
            p.setObject(1, time(now));
            p.setString(2, id);
            return p.executeUpdate() == 1;
        }
    }

    private Object time(Instant t) {
        return postgres ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : t.toString();
    }

    /** A silence from a row of alert_silence (as JDBC or camel-sql gives it). */
    static Silence of(String id, String matchers, Object startsAt, Object endsAt, String createdBy, String comment,
                      Object createdAt, Object expiredAt) {
        return new Silence(id, Silence.matchersFromJson(matchers), instant(startsAt), instant(endsAt), createdBy,
                comment, instant(createdAt), instant(expiredAt));
    }

    static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (o instanceof java.util.Date d) {
            return d.toInstant();
        }
        return Instant.parse(o.toString().trim().replace(' ', 'T').replaceFirst("\\+00(:00)?$", "Z"));
    }
}
