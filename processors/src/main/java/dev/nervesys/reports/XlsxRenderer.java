package dev.nervesys.reports;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;

/**
 * The workbook: one sheet per topic (Summary, Uptime, Resources, Buffer and archive, Alerts,
 * Config, Fleet health, Runs), numbers and times as typed cells, the header row frozen. Written
 * with SXSSF so that only a window of rows is in memory whatever the fleet size.
 */
public final class XlsxRenderer {

    public void render(FleetReport r, OutputStream out) throws IOException {
        SXSSFWorkbook wb = new SXSSFWorkbook(200);
        wb.setCompressTempFiles(true);
        try {
            Styles st = new Styles(wb);
            summary(wb, st, r);
            Sheet up = sheet(wb, st, "Uptime", "agent_id", "server", "agent_version", "heartbeats", "minutes_seen", "uptime_pct",
                    "first_seen", "last_seen", "restarts", "max_uptime_seconds", "healthy", "degraded", "critical",
                    "alerts_raised", "critical_alerts_raised");
            long minutes = PdfRenderer.periodMinutes(r);
            int i = 1;
            for (AgentFigures a : r.agents()) {
                Row row = up.createRow(i++);
                int c = 0;
                str(row, c++, a.agentId());
                str(row, c++, a.server());
                str(row, c++, a.agentVersion());
                num(row, c++, a.beats(), null);
                num(row, c++, a.minutesSeen(), null);
                num(row, c++, Math.min(100.0, 100.0 * a.minutesSeen() / minutes), st.decimal);
                time(row, c++, a.firstSeen(), r, st);
                time(row, c++, a.lastSeen(), r, st);
                num(row, c++, a.restarts(), null);
                num(row, c++, a.maxUptimeSeconds(), null);
                num(row, c++, a.healthy(), null);
                num(row, c++, a.degraded(), null);
                num(row, c++, a.critical(), null);
                num(row, c++, a.alertsRaised(), null);
                num(row, c, a.criticalAlertsRaised(), null);
            }
            Sheet res = sheet(wb, st, "Resources", "agent_id", "cpu_avg_percent", "cpu_peak_percent", "ram_avg_percent",
                    "ram_peak_percent", "disk_avg_percent", "disk_peak_percent");
            i = 1;
            for (AgentFigures a : r.agents()) {
                Row row = res.createRow(i++);
                str(row, 0, a.agentId());
                num(row, 1, a.cpu().avg(), st.decimal);
                num(row, 2, a.cpu().peak(), st.decimal);
                num(row, 3, a.ram().avg(), st.decimal);
                num(row, 4, a.ram().peak(), st.decimal);
                num(row, 5, a.disk().avg(), st.decimal);
                num(row, 6, a.disk().peak(), st.decimal);
            }
            Sheet buf = sheet(wb, st, "Buffer and archive", "agent_id", "buffer_mb_avg", "buffer_mb_peak", "buffer_rows_avg",
                    "buffer_rows_peak", "rows_dropped", "archive_lag_avg_seconds", "archive_lag_peak_seconds",
                    "ingest_rate_avg", "ingest_rate_peak");
            i = 1;
            for (AgentFigures a : r.agents()) {
                Row row = buf.createRow(i++);
                str(row, 0, a.agentId());
                num(row, 1, a.bufferMb().avg(), st.decimal);
                num(row, 2, a.bufferMb().peak(), st.decimal);
                num(row, 3, a.bufferRows().avg(), st.decimal);
                num(row, 4, a.bufferRows().peak(), null);
                num(row, 5, a.droppedRows(), null);
                num(row, 6, a.archiveLag().avg(), st.decimal);
                num(row, 7, a.archiveLag().peak(), st.decimal);
                num(row, 8, a.ingestRate().avg(), st.decimal);
                num(row, 9, a.ingestRate().peak(), st.decimal);
            }
            Sheet al = sheet(wb, st, "Alerts", "alert", "severity", "times_raised", "agents");
            i = 1;
            for (FleetReport.AlertCount a : r.alerts()) {
                Row row = al.createRow(i++);
                str(row, 0, a.name());
                str(row, 1, a.severity());
                num(row, 2, a.raised(), null);
                num(row, 3, a.agents(), null);
            }
            Sheet cfg = sheet(wb, st, "Config", "agent_id", "revisions_applied", "revisions", "revisions_rejected",
                    "rejected", "last_rejection_error");
            i = 1;
            for (AgentFigures a : r.agents()) {
                Row row = cfg.createRow(i++);
                str(row, 0, a.agentId());
                num(row, 1, a.revisions().size(), null);
                str(row, 2, String.join(" ", a.revisions()));
                num(row, 3, a.rejected().size(), null);
                str(row, 4, String.join(" ", a.rejected().keySet()));
                str(row, 5, a.rejected().isEmpty() ? "" : List.copyOf(a.rejected().values()).get(a.rejected().size() - 1));
            }
            Sheet fh = sheet(wb, st, "Fleet health", "from", "agents_healthy", "agents_degraded", "agents_critical",
                    "buffer_avg_mb", "buffer_max_mb");
            for (int b = 0; b < r.healthy().length; b++) {
                Row row = fh.createRow(b + 1);
                time(row, 0, r.bucketStart(b), r, st);
                num(row, 1, r.healthy()[b], null);
                num(row, 2, r.degraded()[b], null);
                num(row, 3, r.critical()[b], null);
                num(row, 4, r.bufferAvgMb()[b], st.decimal);
                num(row, 5, r.bufferMaxMb()[b], st.decimal);
            }
            Sheet runs = sheet(wb, st, "Runs", "run_id", "records");
            i = 1;
            for (FleetReport.RunCount x : r.runs()) {
                Row row = runs.createRow(i++);
                str(row, 0, x.runId());
                num(row, 1, x.records(), null);
            }
            if (r.runs().isEmpty() && r.runsNote() != null) {
                str(runs.createRow(1), 0, r.runsNote());
            }
            wb.write(out);
        } finally {
            wb.close();
            wb.dispose();
        }
    }

    private static void summary(SXSSFWorkbook wb, Styles st, FleetReport r) {
        Sheet s = sheet(wb, st, "Summary", "figure", "value");
        Object[][] rows = {
                {"report", r.period().title()},
                {"time zone", r.period().zone().getId()},
                {"from", r.period().from()},
                {"to", r.period().to()},
                {"generated", r.generatedAt()},
                {"agents reporting", (double) r.agents().size()},
                {"heartbeats", (double) r.rows()},
                {"heartbeats degraded", (double) r.agents().stream().mapToLong(AgentFigures::degraded).sum()},
                {"heartbeats critical", (double) r.agents().stream().mapToLong(AgentFigures::critical).sum()},
                {"alerts raised", (double) r.totalAlertsRaised()},
                {"config revisions applied", (double) r.agents().stream().mapToLong(a -> a.revisions().size()).sum()},
                {"config revisions rejected", (double) r.rejectedRevisions()},
                {"buffer rows dropped", (double) r.agents().stream().mapToLong(AgentFigures::droppedRows).sum()},
                {"alerts raised from", r.alertsSource()},
        };
        for (int i = 0; i < rows.length; i++) {
            Row row = s.createRow(i + 1);
            str(row, 0, (String) rows[i][0]);
            Object v = rows[i][1];
            if (v instanceof Instant t) {
                time(row, 1, t, r, st);
            } else if (v instanceof Double d) {
                num(row, 1, d, null);
            } else {
                str(row, 1, String.valueOf(v));
            }
        }
    }

    private static Sheet sheet(SXSSFWorkbook wb, Styles st, String name, String... header) {
        SXSSFSheet s = wb.createSheet(name);
        Row h = s.createRow(0);
        for (int i = 0; i < header.length; i++) {
            Cell c = h.createCell(i);
            c.setCellValue(header[i]);
            c.setCellStyle(st.header);
            s.setColumnWidth(i, Math.max(12, header[i].length() + 2) * 256);
        }
        s.createFreezePane(0, 1);
        return s;
    }

    private static void str(Row row, int col, String v) {
        row.createCell(col).setCellValue(v == null ? "" : v);
    }

    /** NaN (a metric that never appeared) stays a blank cell rather than a made-up zero. */
    private static void num(Row row, int col, double v, CellStyle style) {
        Cell c = row.createCell(col);
        if (!Double.isNaN(v)) {
            c.setCellValue(v);
            if (style != null) {
                c.setCellStyle(style);
            }
        }
    }

    private static void time(Row row, int col, Instant t, FleetReport r, Styles st) {
        Cell c = row.createCell(col);
        if (t != null) {
            c.setCellValue(LocalDateTime.ofInstant(t, r.period().zone()));
            c.setCellStyle(st.time);
        }
    }

    private static final class Styles {
        final CellStyle header;
        final CellStyle time;
        final CellStyle decimal;

        Styles(SXSSFWorkbook wb) {
            header = wb.createCellStyle();
            Font bold = wb.createFont();
            bold.setBold(true);
            header.setFont(bold);
            time = wb.createCellStyle();
            time.setDataFormat(wb.getCreationHelper().createDataFormat().getFormat("yyyy-mm-dd hh:mm:ss"));
            decimal = wb.createCellStyle();
            decimal.setDataFormat(wb.getCreationHelper().createDataFormat().getFormat("0.00"));
        }
    }
}
