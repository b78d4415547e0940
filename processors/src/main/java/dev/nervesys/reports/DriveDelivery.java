package dev.nervesys.reports;

import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.FileContent;
import com.google.api.services.drive.Drive;
import com.google.api.services.drive.model.File;
import com.google.api.services.drive.model.FileList;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.google.drive.GoogleDriveComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Drive side of an upload (bean {@code reportDrive}), around the route's
 * {@code google-drive://drive-files/create}: {@link #prepare} finds or creates the folder
 * ({@code OWAL AI Reports/Daily} ...) and notes the day's existing copies, {@link #uploaded}
 * deletes those copies once the new file exists (a re-run replaces, it never piles up) and
 * clears the pending marker, {@link #failed} keeps the file pending and words the alert.
 */
public final class DriveDelivery {

    public static final String FOLDER_MIME = "application/vnd.google-apps.folder";
    private static final Logger LOG = LoggerFactory.getLogger(DriveDelivery.class);
    private static final String REPLACE = "NervesysReportReplace";
    private static final String FILE = "NervesysReportFile";
    /** Header: true when the file needs no upload (its pending marker is gone). */
    public static final String SKIP = "NervesysReportSkip";

    private final ReportSettings settings;
    private final ReportStatus status;
    private final Map<String, String> folderIds = new ConcurrentHashMap<>();
    private final UploadClaims claims;
    private final Clock clock;

    /** {@code claims}: the same as the {@link ReportService}'s, which claims the files it hands over. */
    DriveDelivery(ReportSettings settings, ReportStatus status, Clock clock, UploadClaims claims) {
        this.settings = settings;
        this.status = status;
        this.clock = clock;
        this.claims = claims;
    }

    public boolean enabled() {
        return settings.drive().configured();
    }

    public void prepare(Exchange exchange) throws Exception {
        Path file = Path.of(exchange.getMessage().getMandatoryBody(String.class));
        exchange.setProperty(FILE, file.toString());
        // uploaded meanwhile by another run (the retry timer and a report run can overlap)
        boolean gone = !Files.exists(marker(file));
        exchange.getMessage().setHeader(SKIP, gone);
        if (gone) {
            claims.release(file.toString());
            return;
        }
        Drive drive = client(exchange.getContext());
        String folder = folderId(drive, file.getParent().getFileName().toString());
        String name = file.getFileName().toString();
        List<String> existing = new ArrayList<>();
        String q = "name = '" + quote(name) + "' and '" + quote(folder) + "' in parents and trashed = false";
        String page = null;
        do {
            FileList list = drive.files().list().setQ(q).setSpaces("drive").setFields("nextPageToken, files(id, name)")
                    .setPageToken(page).execute();
            list.getFiles().forEach(f -> existing.add(f.getId()));
            page = list.getNextPageToken();
        } while (page != null);
        exchange.setProperty(REPLACE, existing);
        String mime = mimeType(name);
        exchange.getMessage().setHeader("CamelGoogleDrive.content", new File().setName(name).setMimeType(mime)
                .setParents(List.of(folder)));
        exchange.getMessage().setHeader("CamelGoogleDrive.mediaContent", new FileContent(mime, file.toFile()));
    }

    /** After drive-files/create: the body is the new file. */
    public void uploaded(Exchange exchange) throws Exception {
        File created = exchange.getMessage().getMandatoryBody(File.class);
        Path file = Path.of(exchange.getProperty(FILE, String.class));
        @SuppressWarnings("unchecked")
        List<String> old = exchange.getProperty(REPLACE, List.class);
        Drive drive = client(exchange.getContext());
        for (String id : old == null ? List.<String>of() : old) {
            if (!id.equals(created.getId())) {
                DriveCalls.deleteIfPresent(drive, id);
            }
        }
        ReportService.deleteQuietly(marker(file));
        claims.release(file.toString());
        if (!settings.keepLocal()) {
            ReportService.deleteQuietly(file);
        }
        status.uploaded(file.getFileName().toString());
        LOG.info("Report {} uploaded to Drive as {} (replaced {})", file.getFileName(), created.getId(), old == null ? 0 : old.size());
        exchange.getMessage().setBody(file.toString());
    }

    /**
     * In the route's onException, after the retries: the body becomes the alert text, with the
     * headers of the alerts capability's {@code external} step (rule {@code report-upload-failed},
     * label critical, reason = the file); the route sends it to {@code nervesys.reports.alertUri}.
     */
    public String failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String file = exchange.getProperty(FILE, String.class);
        String reason = describe(e);
        if (file != null) {
            // the retry timer waits a full interval from now before trying again
            marker(Path.of(file)).toFile().setLastModified(clock.millis());
            claims.release(file);
        }
        folderIds.clear();
        status.failed(reason);
        String name = file == null ? "a report" : Path.of(file).getFileName().toString();
        // the file name is the reason, not part of the message: one outage = one alert (the alerts
        // capability fingerprints the message), its count rising with each file that fails
        String text = "Report upload to Google Drive failed: " + reason + ". The files are kept in "
                + settings.localDir() + " and retried every " + settings.retryEveryMillis() / 1000 + " s.";
        LOG.warn("{} ({})", text, name);
        exchange.getMessage().removeHeaders("CamelGoogleDrive*");
        exchange.getMessage().setHeader("NervesysAlertLevel", "critical");
        exchange.getMessage().setHeader("NervesysAlertRule", "report-upload-failed");
        exchange.getMessage().setHeader("NervesysAlertReason", "upload of " + name);
        return text;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof GoogleJsonResponseException g) {
                String msg = g.getDetails() != null ? g.getDetails().getMessage() : g.getStatusMessage();
                return "HTTP " + g.getStatusCode() + " " + (msg == null ? "" : msg);
            }
            if (t instanceof com.google.api.client.auth.oauth2.TokenResponseException tr) {
                return "credentials refused (HTTP " + tr.getStatusCode() + (tr.getDetails() != null ? " " + tr.getDetails().getError() : "") + ")";
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        return t == null ? "unknown error" : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private String folderId(Drive drive, String sub) throws IOException {
        String key = settings.drive().topFolder() + "/" + sub;
        String cached = folderIds.get(key);
        if (cached != null) {
            return cached;
        }
        // one find-or-create at a time: the daily and weekly triggers fire at the same minute on
        // Sundays, and two uploads creating the top folder at once would make two of them
        synchronized (folderIds) {
            cached = folderIds.get(key);
            if (cached != null) {
                return cached;
            }
            String top = findOrCreate(drive, settings.drive().rootFolderId(), settings.drive().topFolder());
            String id = findOrCreate(drive, top, sub);
            folderIds.put(key, id);
            return id;
        }
    }

    private static String findOrCreate(Drive drive, String parent, String name) throws IOException {
        String q = "mimeType = '" + FOLDER_MIME + "' and name = '" + quote(name) + "' and '" + quote(parent)
                + "' in parents and trashed = false";
        FileList list = drive.files().list().setQ(q).setSpaces("drive").setFields("files(id, name)").execute();
        if (!list.getFiles().isEmpty()) {
            return list.getFiles().get(0).getId();
        }
        File created = drive.files().create(new File().setName(name).setMimeType(FOLDER_MIME).setParents(List.of(parent)))
                .setFields("id").execute();
        LOG.info("Created Drive folder {} ({})", name, created.getId());
        return created.getId();
    }

    /** Drive query strings: backslash and single quote escaped. */
    static String quote(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }

    public static String mimeType(String name) {
        if (name.endsWith(".pdf")) {
            return "application/pdf";
        }
        if (name.endsWith(".xlsx")) {
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        }
        if (name.endsWith(".csv")) {
            return "text/csv";
        }
        return "application/octet-stream";
    }

    private static Drive client(CamelContext context) {
        GoogleDriveComponent c = context.getComponent("google-drive", GoogleDriveComponent.class);
        return c.getClient(c.getConfiguration());
    }

    private Path marker(Path file) {
        return settings.localDir().resolve(".pending").resolve(settings.localDir().relativize(file));
    }

    /**
     * Google client calls with a handler for a Google exception: the JVM's verifier loads every caught
     * type when the class is linked, so here, in a nested class, they load the Google client at the
     * first upload and not when the bean is created (reports are off on most agents).
     */
    private static final class DriveCalls {

        private DriveCalls() {
        }

        /** Deletes a file; one that is gone already (404) is no error. */
        static void deleteIfPresent(Drive drive, String id) throws java.io.IOException {
            try {
                drive.files().delete(id).execute();
            } catch (GoogleJsonResponseException e) {
                if (e.getStatusCode() != 404) {
                    throw e;
                }
            }
        }
    }
}
