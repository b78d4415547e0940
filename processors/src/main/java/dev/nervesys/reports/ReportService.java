package dev.nervesys.reports;

import dev.nervesys.common.ClickHouseException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Produces reports (bean {@code reports}, routes/reports.camel.yaml): gathers the period's
 * heartbeats, renders the PDF, the workbook and the CSV into the local folder
 * ({@code <localDir>/<Daily|Weekly|Alerts>/}), and, when Drive is configured, leaves a marker in
 * {@code <localDir>/.pending/} for each file until {@link DriveDelivery} confirms its upload. The
 * local folder is both the embedded default destination and the place files wait while Drive is
 * unreachable.
 */
public final class ReportService {

    /** Header set on the exchange: true when the produced files are to be uploaded to Drive. */
    public static final String UPLOAD = "NervesysReportUpload";

    private static final Logger LOG = LoggerFactory.getLogger(ReportService.class);

    private final ReportSettings settings;
    private final HeartbeatSource source;
    private final ReportStatus status;
    private final Clock clock;
    private Instant criticalSince;
    private Instant lastAlertsReport = Instant.EPOCH;

    private final UploadClaims claims;

    public ReportService(ReportSettings settings, ReportStatus status, Clock clock) {
        this(settings, status, clock, new UploadClaims(clock, Math.max(3_600_000L, 10 * settings.retryEveryMillis())));
    }

    ReportService(ReportSettings settings, ReportStatus status, Clock clock, UploadClaims claims) {
        this.claims = claims;
        this.settings = settings;
        this.source = new HeartbeatSource(settings.sourceUrl(), settings.sourceUser(), settings.sourcePassword(), settings.table());
        this.status = status;
        this.clock = clock;
        this.criticalSince = clock.instant();
    }

    UploadClaims claims() {
        return claims;
    }

    public ReportSettings settings() {
        return settings;
    }

    /**
     * The report time zone, for the quartz triggers ({@code {{bean:reports.zoneId}}}): the routes
     * take it from here so that the schedule and the report's day use one zone until a restart.
     */
    public String zoneId() {
        return settings.zone().equals(java.time.ZoneOffset.UTC) ? "UTC" : settings.zone().getId();
    }

    /** How often pending uploads are retried, in milliseconds, for route report-upload-retry. */
    public long retryEveryMillis() {
        return settings.retryEveryMillis();
    }

    /** Route step of the daily trigger: the report of today (in the report time zone) so far. */
    public List<String> daily(Exchange exchange) throws Exception {
        return deliver(exchange, produce(today(), List.of(), null));
    }

    /** Today in the report time zone, by the clock this service was given. */
    ReportPeriod today() {
        return ReportPeriod.day(LocalDate.now(clock.withZone(settings.zone())), settings.zone());
    }

    /** The ISO week of today in the report time zone. */
    ReportPeriod thisWeek() {
        return ReportPeriod.week(LocalDate.now(clock.withZone(settings.zone())), settings.zone());
    }

    /** Route step of the weekly trigger: the ISO week of today. */
    public List<String> weekly(Exchange exchange) throws Exception {
        return deliver(exchange, produce(thisWeek(), List.of(), null));
    }

    /** Route step: the report of a given day ({@code yyyy-MM-dd} in the body or header NervesysReportDay). */
    public List<String> day(Exchange exchange) throws Exception {
        String day = exchange.getMessage().getHeader("NervesysReportDay", String.class);
        if (day == null) {
            day = exchange.getMessage().getBody(String.class);
        }
        return deliver(exchange, produce(ReportPeriod.day(LocalDate.parse(day.trim()), settings.zone()), List.of(), null));
    }

    /**
     * Route step of the critical-alert watch: when heartbeats turned critical since the last check
     * (and no alerts report was made in the last {@code nervesys.reports.alerts.minInterval}),
     * produces an alerts report of the day so far; otherwise an empty list.
     */
    public List<String> checkCritical(Exchange exchange) throws Exception {
        List<Object[]> hits = source.criticalSince(criticalSince, 50);
        if (hits.isEmpty()) {
            return deliver(exchange, List.of());
        }
        criticalSince = (Instant) hits.get(hits.size() - 1)[1];
        Instant now = clock.instant();
        if (now.minusSeconds(settings.alertsMinIntervalSeconds()).isBefore(lastAlertsReport)) {
            return deliver(exchange, List.of());
        }
        lastAlertsReport = now;
        List<String> trigger = new ArrayList<>();
        for (Object[] h : hits) {
            trigger.add(h[0] + " at " + h[1] + (((String) h[2]).isEmpty() ? "" : ": " + h[2]));
        }
        return deliver(exchange, produce(ReportPeriod.alerts(now, settings.zone()), trigger, null));
    }

    /** Route step of the upload retry timer: files still waiting for Drive. */
    public List<String> pending(Exchange exchange) throws IOException {
        List<String> files = new ArrayList<>();
        Path pendingDir = settings.localDir().resolve(".pending");
        if (settings.drive().configured() && Files.isDirectory(pendingDir)) {
            try (Stream<Path> walk = Files.walk(pendingDir)) {
                // a marker younger than the retry interval belongs to an upload under way (or one that just failed)
                long cutoff = clock.millis() - settings.retryEveryMillis();
                walk.filter(Files::isRegularFile).filter(m -> m.toFile().lastModified() <= cutoff).sorted().forEach(marker -> {
                    Path file = settings.localDir().resolve(pendingDir.relativize(marker));
                    if (Files.isRegularFile(file)) {
                        // a file whose upload is under way (a report run's, or a previous retry's) is left to it
                        if (claims.claim(file.toString())) {
                            files.add(file.toString());
                        }
                    } else {
                        deleteQuietly(marker);
                    }
                });
            }
        }
        status.pending(files.size());
        return deliver(exchange, files);
    }

    private List<String> deliver(Exchange exchange, List<String> files) {
        exchange.getMessage().setHeader(UPLOAD, settings.drive().configured() && !files.isEmpty());
        return files;
    }

    /**
     * Writes the three files of {@code period}, each first to a temporary name and then moved in
     * place, so that a reader or an upload never sees half a file. {@code outDir} null = the local
     * folder (with pending markers when Drive is configured); otherwise exactly that folder.
     */
    public List<String> produce(ReportPeriod period, List<String> trigger, Path outDir) throws Exception {
        long t0 = System.nanoTime();
        FleetReport report = gather(period).withTrigger(trigger);
        Path dir = outDir != null ? outDir : settings.localDir().resolve(settings.folderOf(period.kind()));
        Files.createDirectories(dir);
        List<String> files = new ArrayList<>();
        files.add(write(dir, period.pdfName(), out -> new PdfRenderer(settings.pdfMaxAgents()).render(report, out)).toString());
        files.add(write(dir, period.xlsxName(), out -> new XlsxRenderer().render(report, out)).toString());
        files.add(write(dir, period.csvName(), out -> new CsvRenderer().render(report, out)).toString());
        if (outDir == null && settings.drive().configured()) {
            for (String f : files) {
                Path marker = settings.localDir().resolve(".pending").resolve(settings.localDir().relativize(Path.of(f)));
                Files.createDirectories(marker.getParent());
                Files.writeString(marker, "");
            }
            // this run uploads its files itself (the route after it): the retry timer keeps off them.
            // A file whose earlier upload is still under way is left to that upload (and stays pending).
            files.removeIf(f -> !claims.claim(f));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        status.produced(period, files, report.rows(), ms);
        LOG.info("Report {}: {} heartbeats of {} agents, {} files in {} ms", period.label(), report.rows(),
                report.agents().size(), files.size(), ms);
        return files;
    }

    /** The figures of a period: heartbeats from the source, runs from ClickHouse when configured. */
    public FleetReport gather(ReportPeriod period) throws Exception {
        FleetAggregator agg = new FleetAggregator(period);
        long rows = source.read(period.from(), period.to(), agg);
        // "alerts raised": the alerts' alert_history when the database has it, else derived from the heartbeats
        agg.useAlertHistory(source.alertHistory(period.from(), period.to()));
        FleetReport report = agg.finish(rows, clock.instant());
        if (settings.clickhouseUrl() == null) {
            return report.withRuns(List.of(), "ClickHouse is not configured (nervesys.clickhouse.url).");
        }
        try {
            return report.withRuns(new ClickHouseRuns(settings.clickhouseUrl(), settings.clickhouseUser(),
                    settings.clickhousePassword(), settings.clickhouseQuery()).counts(period.from(), period.to()), null);
        } catch (IOException | ClickHouseException e) {
            LOG.warn("Report {}: runs left out, ClickHouse query failed: {}", period.label(), e.getMessage());
            return report.withRuns(List.of(), "Runs unavailable: " + e.getMessage());
        }
    }

    interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static Path write(Path dir, String name, Body body) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            body.write(out);
        }
        Path target = dir.resolve(name);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", p, e.getMessage());
        }
    }
}
