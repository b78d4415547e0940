package dev.nervesys.snapshots;

import dev.nervesys.archive.ArchiveSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where snapshots and backups go: the archiver's target, so the archiver's S3 bucket (client bean
 * {@code archiveS3Client}) or, with no bucket, the archiver's local folder, under the same keys.
 */
public interface SnapshotStore {

    record StoredObject(String key, long size, Instant modified) {
    }

    /** Whether an object exists under the key. */
    boolean exists(String key) throws IOException;

    /** Stores a file under the key (replacing any object there) and checks the stored size. */
    void put(String key, Path file) throws IOException;

    /** Copies the object to {@code target}; false when there is no such object. */
    boolean get(String key, Path target) throws IOException;

    /** Objects whose keys start with the prefix, in key order. */
    List<StoredObject> list(String prefix) throws IOException;

    /**
     * What is wrong with the target itself, in one line (no such bucket, access denied, no such
     * folder), or null when it is usable or the check cannot tell (the operation then says why it
     * failed). For {@code nervesys restore}, which names the real cause instead of "no backup".
     */
    default String problem() throws IOException {
        return null;
    }

    /** For the console and messages: {@code s3://bucket at endpoint} or the folder. No secrets. */
    String describe();

    /**
     * The archiver's target. {@code s3} is the client the data path created for the archiver
     * (null when no bucket is set).
     */
    static SnapshotStore of(ArchiveSettings archive, S3Client s3) {
        if (archive.s3()) {
            if (s3 == null) {
                throw new IllegalStateException("archive bucket " + archive.bucket() + " is set but there is no S3 client");
            }
            return new S3SnapshotStore(s3, archive.bucket(), archive.endpoint());
        }
        return new LocalSnapshotStore(archive.localDir());
    }
}
