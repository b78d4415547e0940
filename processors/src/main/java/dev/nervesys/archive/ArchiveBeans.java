package dev.nervesys.archive;

import dev.nervesys.buffer.RecordBuffer;
import dev.nervesys.spi.AgentSettings;
import dev.nervesys.spi.BeanProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The archiver's beans (docs/archive.md): {@code archiver}, {@code archiveHealth} and, when a
 * bucket is set, {@code archiveS3Client} (which the snapshots share). The archiver is a consumer
 * of the buffer, with its own cursor.
 */
public final class ArchiveBeans implements BeanProvider {

    @Override
    public int order() {
        return ARCHIVE;
    }

    @Override
    public Map<String, Object> beans(AgentSettings s, Map<String, Object> earlier) throws Exception {
        RecordBuffer buffer = BeanProvider.ofType(earlier, RecordBuffer.class);
        if (buffer == null) {
            throw new IllegalStateException("the archiver needs the record buffer (BufferBeans)");
        }
        Map<String, Object> beans = new LinkedHashMap<>();
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
        return beans;
    }
}
