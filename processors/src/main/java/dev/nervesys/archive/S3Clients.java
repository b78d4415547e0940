package dev.nervesys.archive;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** The S3 client for Storj's gateway (or any S3-compatible server). */
public final class S3Clients {

    private S3Clients() {
    }

    /**
     * Path-style, endpoint override, checksums only when required: S3-compatible gateways reject
     * the SDK's default aws-chunked CRC trailers (SDK 2.30+).
     */
    public static S3Client create(ArchiveSettings cfg, String accessKey, String secretKey) {
        if (accessKey == null || secretKey == null) {
            throw new IllegalArgumentException("archive bucket " + cfg.bucket()
                    + " is set but STORJ_ACCESS_KEY / STORJ_SECRET_KEY are missing from the environment");
        }
        var b = S3Client.builder()
                .region(Region.of(cfg.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder());
        if (cfg.endpoint() != null) {
            b.endpointOverride(URI.create(cfg.endpoint()));
        }
        return b.build();
    }
}
