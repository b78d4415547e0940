package dev.nervesys.bootstrap.it.snapshots;

import static dev.nervesys.bootstrap.it.snapshots.SnapshotFixtures.restore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nervesys.archive.S3Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nervesys restore} names the real cause in one line, against S3Proxy: no such bucket, access
 * denied, no backup that day; the usage only on --help.
 */
class RestoreCausesTest {

    @TempDir
    Path tmp;

    @Test
    void restoreNamesTheRealCause() throws Exception {
        try (S3Fixture s3 = new S3Fixture()) {
            Properties cli = new Properties();
            cli.setProperty("nervesys.agentId", "edge-1");
            cli.setProperty("nervesys.dataDir", tmp.resolve("data").toString());
            Path work = Files.createDirectories(tmp.resolve("work"));
            Map<String, String> env = new HashMap<>();
            env.put("STORJ_BUCKET", "no-such-bucket");
            env.put("STORJ_ENDPOINT", s3.endpoint());
            env.put("STORJ_ACCESS_KEY", S3Fixture.ACCESS);
            env.put("STORJ_SECRET_KEY", S3Fixture.SECRET);

            SnapshotFixtures.Run missing = restore(env, cli, work, "--backup", "2026-01-01").assertNoStackTrace();
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err().strip()).isEqualTo("restore: bucket no-such-bucket does not exist at " + s3.endpoint()
                    + "; check nervesys.archive.bucket (STORJ_BUCKET) and nervesys.archive.endpoint (STORJ_ENDPOINT)");
            assertThat(restore(env, cli, work, "--list").err().strip()).startsWith("restore: bucket no-such-bucket does not exist");

            env.put("STORJ_BUCKET", S3Fixture.BUCKET);
            env.put("STORJ_SECRET_KEY", "a-wrong-secret");
            SnapshotFixtures.Run denied = restore(env, cli, work, "--backup", "2026-01-01").assertNoStackTrace();
            assertThat(denied.code()).isEqualTo(1);
            assertThat(denied.err().strip()).isEqualTo("restore: access to bucket " + S3Fixture.BUCKET + " at " + s3.endpoint()
                    + " denied; check STORJ_ACCESS_KEY / STORJ_SECRET_KEY and the key's permissions on that bucket")
                    .doesNotContain("a-wrong-secret");

            env.put("STORJ_SECRET_KEY", S3Fixture.SECRET);
            SnapshotFixtures.Run none = restore(env, cli, work, "--backup", "2026-01-01").assertNoStackTrace();
            assertThat(none.code()).isEqualTo(4);
            assertThat(none.err().strip()).doesNotContain("\n").startsWith("restore: no backup of 2026-01-01 for agent edge-1 in s3://"
                    + S3Fixture.BUCKET);
            assertThat(none.err()).doesNotContain("Usage");

            SnapshotFixtures.Run help = restore(env, cli, work, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).contains("Usage: restore");
        }
    }
}
