package dev.nervesys.reports;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which report files have an upload to Drive under way, shared by {@link ReportService} (a report
 * run claims the files it produced, the retry timer the pending files it picks) and
 * {@link DriveDelivery} (releases a file when its upload succeeded or finally failed). One upload
 * of a file at a time: the retry timer picks files whose marker is older than its interval, and on
 * a busy machine a report run's uploads can take longer than that; a second upload of the same file
 * left a duplicate on Drive (found as a flaky ReportsEndToEndTest under load).
 * A claim older than {@code staleMillis} is void, so that a claim lost to an unexpected error
 * delays the file's retry, never stops it.
 */
final class UploadClaims {

    private final Map<String, Long> claims = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long staleMillis;

    UploadClaims(Clock clock, long staleMillis) {
        this.clock = clock;
        this.staleMillis = staleMillis;
    }

    /** True when the caller now owns the upload of {@code file}; false when another upload has it. */
    boolean claim(String file) {
        long now = clock.millis();
        boolean[] won = {false};
        claims.compute(file, (k, since) -> {
            if (since == null || now - since > staleMillis) {
                won[0] = true;
                return now;
            }
            return since;
        });
        return won[0];
    }

    void release(String file) {
        claims.remove(file);
    }

    boolean claimed(String file) {
        Long since = claims.get(file);
        return since != null && clock.millis() - since <= staleMillis;
    }
}
