package dev.nervesys.webconsole;

import dev.nervesys.spi.StatusReporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;

/**
 * The reports page's side (docs/console.md, "Reports"): the files the reports capability made in
 * its local folder ({@code nervesys.reports.localDir}, default {@code <dataDir>/reports}:
 * {@code Daily/}, {@code Weekly/}, {@code Alerts/}), each with its upload state (a marker under
 * {@code .pending/} = waiting for Drive), downloads of them, and "run now" for a day, sent to the
 * capability's route {@code direct:report-day} (body and header {@code NervesysReportDay}) in the
 * same process: the console and the reports meet through that route and the {@code reportStatus}
 * bean's {@link StatusReporter} figures, never through the reports' classes. So the page shows the
 * reports of the process that serves it: the orchestrator, where the reports module runs.
 */
final class ReportFiles {

    static final String ROUTE = "report-day";
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");
    private static final Map<String, String> TYPES = Map.of("pdf", "application/pdf",
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv", "text/csv; charset=utf-8");
    /** The most files listed (newest first). */
    static final int MAX_FILES = 500;

    private final Path dir;
    private volatile ProducerTemplate template;

    ReportFiles(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The reports' state here and their files, newest first. */
    Map<String, Object> list(CamelContext context) throws ApiError {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("folder", dir.toString());
        out.put("module", moduleState(context));
        StatusReporter status = context == null ? null : context.getRegistry().lookupByNameAndType("reportStatus", StatusReporter.class);
        out.put("status", status == null ? null : status.status());
        boolean drive = status != null && "google-drive".equals(status.status().get("destination"));
        List<Map<String, Object>> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> folders = Files.list(dir)) {
                for (Path folder : folders.filter(Files::isDirectory).filter(f -> !f.getFileName().toString().startsWith("."))
                        .sorted().toList()) {
                    try (Stream<Path> in = Files.list(folder)) {
                        for (Path f : in.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                            String name = f.getFileName().toString();
                            if (name.startsWith(".") || !FILE.matcher(name).matches()) {
                                continue; // temporary files of a report being written
                            }
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("folder", folder.getFileName().toString());
                            m.put("name", name);
                            m.put("bytes", Files.size(f));
                            m.put("modified", Files.getLastModifiedTime(f).toInstant().toString());
                            boolean pending = Files.exists(dir.resolve(".pending").resolve(folder.getFileName()).resolve(name));
                            m.put("upload", pending ? "waiting" : drive ? "uploaded" : "local only");
                            files.add(m);
                        }
                    }
                }
            } catch (IOException e) {
                throw new ApiError(503, "cannot list the reports folder " + dir + ": " + e.getMessage());
            }
        }
        files.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("modified")).reversed()
                .thenComparing(m -> (String) m.get("name")));
        out.put("files", files.size() > MAX_FILES ? files.subList(0, MAX_FILES) : files);
        out.put("total", files.size());
        return out;
    }

    /** {@code on}, {@code off} (the module is switched off here: no "run now") or {@code stopped}. */
    private static String moduleState(CamelContext context) {
        Route r = context == null ? null : context.getRoute(ROUTE);
        if (r == null) {
            return "off";
        }
        ServiceStatus st = context.getRouteController().getRouteStatus(ROUTE);
        return st == ServiceStatus.Started ? "on" : "stopped";
    }

    /** One file of the folder, as an attachment. */
    ConsoleHttp.Reply download(String folder, String name) throws ApiError {
        if (folder == null || name == null || !FILE.matcher(folder).matches() || !FILE.matcher(name).matches()) {
            throw new ApiError(400, "give folder and name of a report file");
        }
        Path f = dir.resolve(folder).resolve(name).normalize();
        if (!f.startsWith(dir) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            throw new ApiError(404, "no report file " + folder + "/" + name);
        }
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new ApiError(503, "cannot read " + folder + "/" + name + ": " + e.getMessage());
        }
        ConsoleHttp.Reply reply = new ConsoleHttp.Reply(200, TYPES.getOrDefault(ext, "application/octet-stream"), bytes);
        reply.headers.put("Content-Disposition", "attachment; filename=\"" + name + "\"");
        return reply;
    }

    /** Makes the report of {@code day} now (route report-day: rendered, then uploaded when Drive is set); the names of its files. */
    List<String> run(CamelContext context, String day, Clock clock) throws ApiError {
        LocalDate d;
        try {
            d = LocalDate.parse(day);
        } catch (DateTimeParseException e) {
            throw new ApiError(400, "day must be yyyy-MM-dd");
        }
        if (d.isAfter(LocalDate.now(clock.withZone(ZoneOffset.UTC)).plusDays(1)) || d.isBefore(LocalDate.of(2000, 1, 1))) {
            throw new ApiError(400, "day " + day + " is in the future or too far back");
        }
        if (!"on".equals(moduleState(context))) {
            throw new ApiError(503, "the reports module does not run in this process (nervesys.modules.reports; the orchestrator's "
                    + "overlay switches it on, docs/reports.md)");
        }
        Object body;
        try {
            body = template(context).requestBodyAndHeader("direct:" + ROUTE, day, "NervesysReportDay", day);
        } catch (RuntimeException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new ApiError(502, "the report of " + day + " failed: " + dev.nervesys.spi.ErrorLine.of(c));
        }
        List<String> names = new ArrayList<>();
        if (body instanceof List<?> l) {
            for (Object o : l) {
                names.add(Path.of(String.valueOf(o)).getFileName().toString());
            }
        }
        return names;
    }

    private ProducerTemplate template(CamelContext context) {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = context.createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }
}
