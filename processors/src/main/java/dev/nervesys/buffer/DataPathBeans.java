package dev.nervesys.buffer;

import dev.nervesys.archive.ArchiveSettings;
import dev.nervesys.archive.ArchiveHealthCheck;
import dev.nervesys.archive.Archiver;
import dev.nervesys.archive.S3Clients;
import dev.nervesys.ingest.IngestService;
import dev.nervesys.ingest.IngestSettings;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The data path's beans (docs/ingest.md, buffer.md, archive.md): {@code recordBuffer},
 * {@code dataPathHealth}, {@code ingest}, {@code archiver}, {@code archiveHealth} and, when a
 * bucket is set, {@code archiveS3Client}. One provider
 * for the three capabilities because they share the one buffer instance and the SPI gives a
 * provider no access to other providers' beans. The buffer comes first so that it is closed last.
 */
public final class DataPathBeans implements BeanProvider {

    /** First: other capabilities consume the buffer. */
    @Override
    public int order() {
        return 10;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s) throws Exception {
        RecordBuffer buffer = BufferSettings.from(s).open();
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("recordBuffer", buffer);
        beans.put("dataPathHealth", new DataPathHealthCheck(buffer, s.dataDir()));
        try {
            IngestSettings in = IngestSettings.from(s);
            beans.put("ingest", new IngestService(buffer, in.tokens(), in.rateLimit(), in.rateBurst(), in.maxBodyBytes(),
                    s.clock()));
            ArchiveSettings archive = ArchiveSettings.from(s);
            S3Client s3 = null;
            if (archive.s3()) {
                s3 = S3Clients.create(archive, s.secret("STORJ_ACCESS_KEY").orElse(null),
                        s.secret("STORJ_SECRET_KEY").orElse(null));
                beans.put("archiveS3Client", s3);
            }
            Archiver archiver = new Archiver(buffer, archive, s3);
            beans.put("archiver", archiver);
            beans.put("archiveHealth", new ArchiveHealthCheck(archiver, s.clock()));
        } catch (Exception | Error e) {
            buffer.close();
            throw e;
        }
        return beans;
    }
}
