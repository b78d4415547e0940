package dev.nervesys.reports;

import dev.nervesys.spi.Dependency;
import dev.nervesys.spi.DependencyState;
import dev.nervesys.spi.StatusReporter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code reports} section of the nervesys dev console: last report, uploads waiting, last failure. */
public final class ReportStatus implements StatusReporter, Dependency, MeterBinder {

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
    private Instant failingSince;
    private long produced;

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
        produced++;
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
        failingSince = null;
    }

    synchronized void failed(String error) {
        failures++;
        if (lastError == null) {
            failingSince = clock.instant();
        }
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
    public String dependencyName() {
        return "drive";
    }

    /** The {@code drive} dependency: off without Drive credentials, degraded while the last upload failed. */
    @Override
    public synchronized DependencyState dependencyState() {
        if (!drive) {
            return DependencyState.off("drive", null);
        }
        Map<String, Number> backlog = Map.of("files", pending);
        if (lastError == null) {
            return DependencyState.ok("drive", "google-drive", backlog);
        }
        return DependencyState.degraded("drive", "google-drive", lastError, failingSince, backlog);
    }

    /** Prometheus: nervesys_reports_* (docs/reports.md, docs/operations.md). */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("nervesys.reports.produced", this, r -> r.sync(() -> r.produced))
                .description("Reports produced (PDF, Excel and CSV of one period)").register(registry);
        FunctionCounter.builder("nervesys.reports.uploads", this, r -> r.sync(() -> r.uploaded))
                .description("Report files uploaded to Google Drive").register(registry);
        FunctionCounter.builder("nervesys.reports.upload.failures", this, r -> r.sync(() -> r.failures))
                .description("Failed report uploads (retried at the next report run)").register(registry);
        Gauge.builder("nervesys.reports.pending.uploads", this, r -> r.sync(() -> r.pending))
                .description("Report files waiting for their upload to Drive").register(registry);
    }

    private synchronized double sync(java.util.function.LongSupplier value) {
        return value.getAsLong();
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
