package dev.nervesys.snapshots;

import dev.nervesys.archive.ArchiveSettings;
import dev.nervesys.archive.S3Clients;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Beans of snapshots and daily backups (docs/snapshots.md): {@code snapshots} and
 * {@code snapshotsHealth}. The target is the archiver's: its settings ({@link ArchiveSettings}) and
 * its S3 client, bean {@code archiveS3Client} of the data path; nothing connects here.
 */
public final class SnapshotBeans implements BeanProvider {

    /** After the data path (10), whose S3 client it shares. */
    @Override
    public int order() {
        return 40;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) {
        SnapshotService service = service(s, earlier, s.clock());
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("snapshots", service);
        beans.put("snapshotsHealth", new SnapshotHealthCheck(service, s.clock()));
        return beans;
    }

    /** The bean as the runtime wires it, on the given clock (tests pick the day and time). */
    static SnapshotService service(AgentSettings s, Map<String, Object> earlier, Clock clock) {
        SnapshotSettings cfg = SnapshotSettings.from(s);
        ArchiveSettings archive = ArchiveSettings.from(s);
        S3Client s3 = null;
        S3Client owned = null;
        if (archive.s3()) {
            if (earlier.get("archiveS3Client") instanceof S3Client shared) {
                s3 = shared;
            } else {
                owned = S3Clients.create(archive, s.secret("STORJ_ACCESS_KEY").orElse(null), s.secret("STORJ_SECRET_KEY").orElse(null));
                s3 = owned;
            }
        }
        Path data = s.dataDir().toAbsolutePath().normalize();
        Set<Path> excluded = new LinkedHashSet<>(StateBackup.alwaysExcluded(data));
        excluded.add(archive.localDir());
        excluded.add(archive.workDir());
        // the buffer's own key (declared in buffer.BufferSettings), read by name: capabilities meet through settings, not classes
        s.find("nervesys.buffer.file").map(Path::of).ifPresent(buffer -> {
            excluded.add(buffer);
            for (String suffix : StateBackup.SQLITE_SIDECARS) {
                excluded.add(buffer.resolveSibling(buffer.getFileName() + suffix));
            }
        });
        cfg.backupExclude().forEach(p -> excluded.add(data.resolve(p)));
        return new SnapshotService(cfg, SnapshotStore.of(archive, s3), new StateBackup(data, excluded), data, s.agentId(),
                s.server(), clock, owned);
    }
}
