package dev.nervesys.reports;

import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.databind.SequenceWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One CSV row per agent with every per-agent figure of the workbook (UTC ISO-8601 times, empty = no value). */
public final class CsvRenderer {

    static final String[] COLUMNS = {"agent_id", "server", "agent_version", "heartbeats", "uptime_pct", "first_seen",
            "last_seen", "restarts", "healthy", "degraded", "critical", "cpu_avg", "cpu_peak", "ram_avg", "ram_peak",
            "disk_avg", "disk_peak", "buffer_mb_avg", "buffer_mb_peak", "buffer_rows_peak", "rows_dropped",
            "archive_lag_avg_s", "archive_lag_peak_s", "ingest_rate_avg", "alerts_raised", "revisions_applied",
            "revisions_rejected"};

    private static final CsvMapper MAPPER = new CsvMapper();

    public void render(FleetReport r, OutputStream out) throws IOException {
        CsvSchema.Builder b = CsvSchema.builder().setUseHeader(true);
        for (String c : COLUMNS) {
            b.addColumn(c);
        }
        long minutes = PdfRenderer.periodMinutes(r);
        OutputStreamWriter w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        try (SequenceWriter seq = MAPPER.writer(b.build()).writeValues(w)) {
            for (AgentFigures a : r.agents()) {
                List<Object> row = new ArrayList<>(COLUMNS.length);
                row.add(a.agentId());
                row.add(a.server());
                row.add(a.agentVersion());
                row.add(a.beats());
                row.add(d(Math.min(100.0, 100.0 * a.minutesSeen() / minutes)));
                row.add(a.firstSeen() == null ? "" : a.firstSeen().toString());
                row.add(a.lastSeen() == null ? "" : a.lastSeen().toString());
                row.add(a.restarts());
                row.add(a.healthy());
                row.add(a.degraded());
                row.add(a.critical());
                row.add(d(a.cpu().avg()));
                row.add(d(a.cpu().peak()));
                row.add(d(a.ram().avg()));
                row.add(d(a.ram().peak()));
                row.add(d(a.disk().avg()));
                row.add(d(a.disk().peak()));
                row.add(d(a.bufferMb().avg()));
                row.add(d(a.bufferMb().peak()));
                row.add(Double.isNaN(a.bufferRows().peak()) ? "" : String.valueOf((long) a.bufferRows().peak()));
                row.add(a.droppedRows());
                row.add(d(a.archiveLag().avg()));
                row.add(d(a.archiveLag().peak()));
                row.add(d(a.ingestRate().avg()));
                row.add(a.alertsRaised());
                row.add(a.revisions().size());
                row.add(a.rejected().size());
                seq.write(row);
            }
        }
    }

    private static String d(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }
}
