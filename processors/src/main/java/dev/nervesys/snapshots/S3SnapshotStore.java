package dev.nervesys.snapshots;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Snapshots and backups in the archiver's bucket, through the archiver's client (path-style,
 * checksums only when required: see S3Clients). Objects are small (a config revision, the agent's
 * state without the buffer), so one PUT each; the size is read back with HEAD after the upload.
 * SDK failures surface as IOExceptions so that callers back off the same way for every target.
 *
 * <p>The AWS SDK client directly, not a camel-aws2-s3 endpoint: {@code nervesys restore} reads
 * these objects before any Camel context exists (it must run on a stopped agent's data dir), and
 * the same class serves both; the client itself is camel-aws2-s3's SDK, configured once in S3Clients.
 */
final class S3SnapshotStore implements SnapshotStore {

    private final S3Client s3;
    private final String bucket;
    private final String endpoint;

    S3SnapshotStore(S3Client s3, String bucket, String endpoint) {
        this.s3 = s3;
        this.bucket = bucket;
        this.endpoint = endpoint;
    }

    /** HEAD of the bucket: 404 = no such bucket, 403 = the keys may not read it. */
    @Override
    public String problem() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return "bucket " + bucket + " does not exist" + (endpoint == null ? "" : " at " + endpoint)
                        + "; check nervesys.archive.bucket (STORJ_BUCKET) and nervesys.archive.endpoint (STORJ_ENDPOINT)";
            }
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                return "access to bucket " + bucket + (endpoint == null ? "" : " at " + endpoint)
                        + " denied; check STORJ_ACCESS_KEY / STORJ_SECRET_KEY and the key's permissions on that bucket";
            }
            return null;
        } catch (SdkException e) {
            throw io("HEAD bucket " + bucket, e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return head(key) != null;
    }

    private HeadObjectResponse head(String key) throws IOException {
        try {
            return s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw io("HEAD " + key, e);
        } catch (SdkException e) {
            throw io("HEAD " + key, e);
        }
    }

    @Override
    public void put(String key, Path file) throws IOException {
        long size = Files.size(file);
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentLength(size).contentType("application/gzip"),
                    RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw io("PUT " + key, e);
        }
        HeadObjectResponse head = head(key);
        if (head == null || head.contentLength() == null || head.contentLength() != size) {
            throw new IOException("uploaded " + key + " has " + (head == null ? "no object" : head.contentLength() + " bytes")
                    + ", expected " + size);
        }
    }

    @Override
    public boolean get(String key, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.deleteIfExists(part);
        boolean done = false;
        try {
            s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(part));
            done = true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw io("GET " + key, e);
        } catch (SdkException e) {
            throw io("GET " + key, e);
        } finally {
            if (!done) {
                Files.deleteIfExists(part);
            }
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        List<StoredObject> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                out.add(new StoredObject(o.key(), o.size() == null ? -1 : o.size(), o.lastModified()));
            }
        } catch (SdkException | UncheckedIOException e) {
            throw io("LIST " + prefix, e);
        }
        return out;
    }

    private IOException io(String what, Exception e) {
        return new IOException(what + " in bucket " + bucket + " failed: " + e.getMessage(), e);
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (endpoint == null ? "" : " at " + endpoint);
    }
}
