package dev.nervesys.reports;

import dev.nervesys.spi.StatusReporter;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code reports} section of the nervesys dev console: last report, uploads waiting, last failure. */
public final class ReportStatus implements StatusReporter {

    private final boolean drive;
    private String lastReport;
    private Instant lastReportAt;
    private long lastReportRows;
    private long lastReportMillis;
    private int pending;
    private long uploaded;
    private long failures;
    private String lastUpload;
    private String lastError;
    private Instant lastErrorAt;

    private final Clock clock;

    public ReportStatus(boolean drive, Clock clock) {
        this.drive = drive;
        this.clock = clock;
    }

    synchronized void produced(ReportPeriod period, List<String> files, long rows, long millis) {
        lastReport = period.label();
        lastReportAt = clock.instant();
        lastReportRows = rows;
        lastReportMillis = millis;
        if (drive) {
            pending += files.size();
        }
    }

    synchronized void pending(int n) {
        pending = n;
    }

    synchronized void uploaded(String name) {
        uploaded++;
        lastUpload = name;
        pending = Math.max(0, pending - 1);
        lastError = null;
    }

    synchronized void failed(String error) {
        failures++;
        lastError = error;
        lastErrorAt = clock.instant();
    }

    public synchronized String lastError() {
        return lastError;
    }

    public synchronized int pendingUploads() {
        return pending;
    }

    @Override
    public String statusName() {
        return "reports";
    }

    @Override
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", drive ? "google-drive" : "local");
        m.put("lastReport", lastReport == null ? "" : lastReport);
        m.put("lastReportAt", lastReportAt == null ? "" : lastReportAt.toString());
        m.put("lastReportHeartbeats", lastReportRows);
        m.put("lastReportMillis", lastReportMillis);
        m.put("pendingUploads", pending);
        m.put("uploaded", uploaded);
        m.put("uploadFailures", failures);
        m.put("lastUpload", lastUpload == null ? "" : lastUpload);
        m.put("lastUploadError", lastError == null ? "" : lastError);
        m.put("lastUploadErrorAt", lastErrorAt == null ? "" : lastErrorAt.toString());
        return m;
    }
}
