package dev.nervesys.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.archive.S3Fixture;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.spi.AppliedRevision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Bean {@code snapshots} against S3Proxy (AWS v4 auth; objects read back through an independent AWS
 * SDK client) and against the local folder, created by {@link SnapshotBeans} as the runtime creates
 * it. The clock is the test's, so "once per day from 03:00" is checked at chosen instants.
 */
class SnapshotServiceTest {

    @TempDir
    Path dir;
    S3Fixture s3;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-12-10T01:00:00Z"));
    final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @BeforeEach
    void s3() throws Exception {
        s3 = new S3Fixture();
    }

    @AfterEach
    void close() throws Exception {
        s3.close();
    }

    TestSettings settings(boolean withS3) {
        TestSettings s = new TestSettings(dir).set("nervesys.snapshots.backoffInitial", "100ms")
                .set("nervesys.snapshots.backoffMax", "100ms").set("nervesys.snapshots.backup.time", "03:00");
        if (withS3) {
            s.set("nervesys.archive.bucket", S3Fixture.BUCKET).set("nervesys.archive.endpoint", s3.endpoint())
                    .env("STORJ_ACCESS_KEY", S3Fixture.ACCESS).env("STORJ_SECRET_KEY", S3Fixture.SECRET);
        }
        return s;
    }

    /** As the runtime creates it (SnapshotBeans, with the data path's S3 client when a bucket is set), on the test's clock. */
    SnapshotService service(TestSettings s, S3Client archiveClient) {
        Map<String, Object> earlier = archiveClient == null ? Map.of() : Map.of("archiveS3Client", archiveClient);
        SnapshotService snapshots = SnapshotBeans.service(s, earlier, clock);
        assertThat(snapshots.target()).isEqualTo(archiveClient == null ? dir.resolve("archive").toString()
                : "s3://" + S3Fixture.BUCKET + " at " + s3.endpoint());
        return snapshots;
    }

    /** Keys under a prefix, in key order (S3Fixture.keys expects archive keys). */
    List<String> keys(String prefix) {
        List<String> keys = new java.util.ArrayList<>();
        s3.client.listObjectsV2Paginator(b -> b.bucket(S3Fixture.BUCKET).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
        keys.sort(null);
        return keys;
    }

    String etag(String key) {
        return s3.client.headObject(b -> b.bucket(S3Fixture.BUCKET).key(key)).eTag();
    }

    @Test
    void eachRevisionIsUploadedOnceAndAnObjectAlreadyThereIsNotReplaced() throws Exception {
        SnapshotService snapshots = service(settings(true), s3.client);
        AppliedRevision r1 = SnapshotArchiveTest.revision("1111111111111111111111111111111111111111");
        snapshots.applied(r1);
        assertThat(snapshots.status()).containsEntry("pending", 1);
        snapshots.uploadDue();
        String k1 = "configs/snapshots/test-agent/" + r1.id() + ".tar.gz";
        assertThat(keys("configs/")).containsExactly(k1);
        assertThat(s3.get(k1)).isEqualTo(ConfigSnapshot.build("test-agent", r1));
        assertThat(snapshots.status()).containsEntry("pending", 0).containsEntry("uploaded", 1L)
                .containsEntry("lastSnapshotRevision", r1.id()).containsEntry("lastSnapshotKey", k1);
        String etag1 = etag(k1);

        // applied again (a restart, or the same commit polled): nothing queued
        snapshots.applied(r1);
        assertThat(snapshots.status()).containsEntry("pending", 0);

        // an object that exists already (uploaded before the marker was written, or by a twin) is kept
        AppliedRevision r2 = SnapshotArchiveTest.revision("local-a1b2c3d4e5f6");
        String k2 = "configs/snapshots/test-agent/local-a1b2c3d4e5f6.tar.gz";
        s3.client.putObject(b -> b.bucket(S3Fixture.BUCKET).key(k2), RequestBody.fromString("there before"));
        snapshots.applied(r2);
        snapshots.uploadDue();
        assertThat(new String(s3.get(k2))).isEqualTo("there before");
        assertThat(snapshots.status()).containsEntry("alreadyStored", 1L).containsEntry("uploaded", 1L);

        // after a restart: the markers hold, nothing is uploaded again
        SnapshotService restarted = service(settings(true), s3.client);
        restarted.applied(r1);
        restarted.applied(r2);
        restarted.uploadDue();
        assertThat(restarted.status()).containsEntry("pending", 0).containsEntry("uploaded", 0L)
                .containsEntry("alreadyStored", 0L).containsEntry("lastSnapshotRevision", r2.id());
        assertThat(etag(k1)).isEqualTo(etag1);
        assertThat(keys("configs/")).containsExactlyInAnyOrder(k1, k2);
    }

    @Test
    void whileS3IsDownSnapshotsWaitAcrossARestartAndGoUpWhenItIsBack() throws Exception {
        SnapshotService snapshots = service(settings(true), s3.client);
        s3.stop();
        AppliedRevision r = SnapshotArchiveTest.revision("2222222222222222222222222222222222222222");
        snapshots.applied(r);
        snapshots.uploadDue();
        assertThat(snapshots.status()).containsEntry("pending", 1).containsEntry("consecutiveFailures", 1);
        assertThat((String) snapshots.status().get("lastError")).contains("snapshot upload failed").contains("HEAD");
        assertThat(snapshots.status().toString()).doesNotContain(S3Fixture.SECRET).doesNotContain(S3Fixture.ACCESS);
        // backing off: a tick within the wait does not try
        snapshots.uploadDue();
        assertThat(snapshots.status()).containsEntry("consecutiveFailures", 1);
        now.set(now.get().plusSeconds(1));
        snapshots.uploadDue();
        assertThat(snapshots.status()).containsEntry("consecutiveFailures", 2);

        // a restart while S3 is down: the pending file is still there
        SnapshotService restarted = service(settings(true), s3.client);
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            SnapshotHealthCheck check = new SnapshotHealthCheck(restarted);
            check.setCamelContext(ctx);
            restarted.uploadDue();
            // degraded, not DOWN: the snapshot waits in the data dir (docs/operations.md)
            HealthCheck.Result degraded = check.call();
            assertThat(degraded.getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(degraded.getDetails()).containsEntry("state", "degraded").containsEntry("backlogFiles", 1)
                    .containsEntry("since", now.get().toString());
            assertThat(degraded.getMessage()).hasValueSatisfying(m -> assertThat(m).contains("snapshot upload failed"));
            assertThat(restarted.status()).containsEntry("pending", 1);

            s3.start();
            now.set(now.get().plusSeconds(1));
            restarted.uploadDue();
            assertThat(restarted.status()).containsEntry("pending", 0).containsEntry("consecutiveFailures", 0)
                    .containsEntry("lastError", null).containsEntry("uploaded", 1L);
            assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(check.call().getDetails()).containsEntry("state", "ok").containsEntry("backlogFiles", 0);
        }
        assertThat(s3.get("configs/snapshots/test-agent/" + r.id() + ".tar.gz")).isEqualTo(ConfigSnapshot.build("test-agent", r));
    }

    @Test
    void theDailyBackupIsTakenAtStartWhenMissingThenOncePerDayFromItsTime() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/last-good-revision"), "abc");
        Files.createDirectories(dir.resolve("buffer"));
        Files.writeString(dir.resolve("buffer/buffer.db"), "not backed up");
        SnapshotService snapshots = service(settings(true), s3.client);
        String day1 = "backups/daily/test-agent/2025-12-10.tar.gz";

        snapshots.backupIfDue(); // 01:00, before the backup time, but the first check and today's is missing
        assertThat(keys("backups/")).containsExactly(day1);
        assertThat(entries(s3.get(day1))).containsExactly(StateBackup.MANIFEST, "state/last-good-revision");
        String etag = etag(day1);
        assertThat(snapshots.status()).containsEntry("lastBackupDate", "2025-12-10")
                .containsEntry("lastBackupAt", "2025-12-10T01:00:00Z").containsEntry("lastBackupFiles", 1);

        now.set(Instant.parse("2025-12-10T23:59:00Z"));
        snapshots.backupIfDue();
        now.set(Instant.parse("2025-12-11T02:59:00Z"));
        snapshots.backupIfDue();
        assertThat(keys("backups/")).containsExactly(day1);
        assertThat(etag(day1)).isEqualTo(etag);

        Files.writeString(dir.resolve("state/alerts.json"), "{}");
        now.set(Instant.parse("2025-12-11T03:00:00Z"));
        snapshots.backupIfDue();
        String day2 = "backups/daily/test-agent/2025-12-11.tar.gz";
        assertThat(keys("backups/")).containsExactly(day1, day2);
        assertThat(entries(s3.get(day2))).containsExactly(StateBackup.MANIFEST, "state/alerts.json", "state/last-good-revision");

        // restarted the same day: the marker says it is done
        now.set(Instant.parse("2025-12-11T05:00:00Z"));
        service(settings(true), s3.client).backupIfDue();
        String etag2 = etag(day2);
        // restarted with the marker gone (a wiped data dir): today's backup in S3 is not overwritten
        Files.delete(Path.of((String) snapshots.status().get("markers")).resolve("last-backup"));
        SnapshotService wiped = service(settings(true), s3.client);
        wiped.backupIfDue();
        assertThat(etag(day2)).isEqualTo(etag2);
        assertThat(wiped.status()).containsEntry("lastBackupDate", "2025-12-11");

        // taken again the same day: replaces the object
        Files.writeString(dir.resolve("state/alerts.json"), "{\"open\":1}");
        assertThat(wiped.backupNow(LocalDate.of(2025, 12, 11))).isEqualTo(day2);
        assertThat(etag(day2)).isNotEqualTo(etag2);
        assertThat(keys("backups/")).containsExactly(day1, day2);
        assertThat(dir.resolve("snapshots/work")).isEmptyDirectory();
    }

    @Test
    void aChangedBucketGetsTheSnapshotAtOnceAndTodaysBackupAtTheNextCheck() throws Exception {
        now.set(Instant.parse("2025-12-10T05:00:00Z"));
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/last-good-revision"), "1111111111111111111111111111111111111111\n");
        AppliedRevision r1 = SnapshotArchiveTest.revision("1111111111111111111111111111111111111111");
        SnapshotService a = service(settings(true), s3.client);
        a.applied(r1);
        a.uploadDue();
        a.backupIfDue();
        String snapshot = "configs/snapshots/test-agent/1111111111111111111111111111111111111111.tar.gz";
        String backup = "backups/daily/test-agent/2025-12-10.tar.gz";
        assertThat(keys("")).containsExactlyInAnyOrder(snapshot, backup);

        // the archive bucket changes (a restart: beans read it at start); the runtime hands over the applied revision again
        s3.client.createBucket(b -> b.bucket("bucket-b"));
        now.set(Instant.parse("2025-12-10T06:00:00Z"));
        TestSettings changed = settings(true).set("nervesys.archive.bucket", "bucket-b");
        SnapshotService b = SnapshotBeans.service(changed, Map.of("archiveS3Client", s3.client), clock);
        assertThat(b.target()).isEqualTo("s3://bucket-b at " + s3.endpoint());
        assertThat(b.status()).containsEntry("targetNew", true).containsEntry("lastSnapshotKey", null)
                .containsEntry("lastBackupDate", null);
        b.applied(r1);
        b.uploadDue();
        b.backupIfDue();
        List<String> inB = new java.util.ArrayList<>();
        s3.client.listObjectsV2Paginator(x -> x.bucket("bucket-b")).contents().forEach(o -> inB.add(o.key()));
        assertThat(inB).containsExactlyInAnyOrder(snapshot, backup);
        assertThat(b.status()).containsEntry("targetNew", false).containsEntry("lastSnapshotKey", snapshot)
                .containsEntry("lastBackupDate", "2025-12-10").containsEntry("lastError", null);

        // back to the first bucket: its markers still hold, nothing is uploaded again
        SnapshotService again = service(settings(true), s3.client);
        again.applied(r1);
        again.uploadDue();
        again.backupIfDue();
        assertThat(again.status()).containsEntry("uploaded", 0L).containsEntry("targetNew", false)
                .containsEntry("lastBackupDate", "2025-12-10");
    }

    @Test
    void withoutABucketEverythingGoesToTheLocalArchiveFolder() throws Exception {
        Files.createDirectories(dir.resolve("heartbeat"));
        Files.writeString(dir.resolve("heartbeat/note.txt"), "state");
        SnapshotService snapshots = service(settings(false), null);
        AppliedRevision r = SnapshotArchiveTest.revision("embedded-a1b2c3d4e5f6");
        snapshots.applied(r);
        snapshots.uploadDue();
        snapshots.backupIfDue();
        Path snapshot = dir.resolve("archive/configs/snapshots/test-agent/embedded-a1b2c3d4e5f6.tar.gz");
        assertThat(Files.readAllBytes(snapshot)).isEqualTo(ConfigSnapshot.build("test-agent", r));
        Path backup = dir.resolve("archive/backups/daily/test-agent/2025-12-10.tar.gz");
        assertThat(entries(Files.readAllBytes(backup))).as("the archive folder itself is left out")
                .containsExactly(StateBackup.MANIFEST, "heartbeat/note.txt");
        try (var s = Files.walk(dir.resolve("archive"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".part"))).isEmpty();
        }
        assertThat(keys("")).isEmpty();
        // the next day's backup leaves the first in place, and still not itself in the backup
        now.set(Instant.parse("2025-12-11T03:00:00Z"));
        snapshots.backupIfDue();
        assertThat(entries(Files.readAllBytes(dir.resolve("archive/backups/daily/test-agent/2025-12-11.tar.gz"))))
                .containsExactly(StateBackup.MANIFEST, "heartbeat/note.txt");
        assertThat(backup).exists();
    }

    static List<String> entries(byte[] tgz) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(new java.io.ByteArrayInputStream(tgz)))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
