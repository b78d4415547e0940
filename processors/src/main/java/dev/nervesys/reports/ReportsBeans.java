package dev.nervesys.reports;

import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import org.apache.camel.component.google.drive.GoogleDriveComponent;
import org.apache.camel.component.google.drive.GoogleDriveConfiguration;
import org.apache.camel.spi.ComponentCustomizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reports' beans (docs/reports.md): {@code reports} (gathers and renders), {@code reportDrive}
 * (folders, replacement and failures around the Drive upload), {@code reportsHealth} (Drive as a
 * dependency) and {@code reportDriveCustomizer},
 * which gives the google-drive component our client factory and the credentials from the
 * environment, so that no secret ever appears in an endpoint URI. Nothing connects here: the
 * database is read and Drive is called only when a report runs.
 */
public final class ReportsBeans implements BeanProvider {

    @Override
    public Map<String, Object> beans(AgentSettings s) {
        ReportSettings settings = ReportSettings.from(s);
        ReportStatus status = new ReportStatus(settings.drive().configured(), s.clock());
        Map<String, Object> beans = new LinkedHashMap<>();
        ReportService reports = new ReportService(settings, status, s.clock());
        beans.put("reports", reports);
        beans.put("reportDrive", new DriveDelivery(settings, status, s.clock(), reports.claims()));
        beans.put("reportStatus", status);
        beans.put("reportsHealth", new DriveHealthCheck(status, s.clock()));
        ReportSettings.Drive drive = settings.drive();
        beans.put("reportDriveCustomizer", ComponentCustomizer.forType(GoogleDriveComponent.class, component -> {
            // made here, when a route first uses google-drive: it loads the Google client
            component.setClientFactory(new ReportsDriveClientFactory(drive));
            GoogleDriveConfiguration c = component.getConfiguration() == null ? new GoogleDriveConfiguration() : component.getConfiguration();
            c.setApplicationName(drive.applicationName());
            c.setScopes(drive.scopes());
            if (drive.serviceAccountKey() != null) {
                c.setServiceAccountKey(drive.serviceAccountKey());
            } else if (drive.configured()) {
                c.setClientId(drive.clientId());
                c.setClientSecret(drive.clientSecret());
                c.setRefreshToken(drive.refreshToken());
            }
            component.setConfiguration(c);
        }));
        return beans;
    }
}
