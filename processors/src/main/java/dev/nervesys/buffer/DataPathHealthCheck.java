package dev.nervesys.buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Health check {@code nervesys-data-path} (bean {@code dataPathHealth}), liveness and readiness:
 * whether this agent can accept and keep data. It never looks at external dependencies (their
 * outages are {@code degraded} in their own checks, docs/operations.md).
 * <ul>
 * <li>Liveness DOWN when the data dir cannot be written (a probe file), its disk has no room left,
 * or the buffer's last write failed and a probe write still fails: nothing accepted could be kept.</li>
 * <li>Readiness DOWN as well when the buffer is full under policy {@code reject} (ingest answers 503
 * until the archiver or the ClickHouse shipper drain it; a restart would not help, so liveness
 * stays UP), or when an ingest route of the applied revision is not listening.</li>
 * </ul>
 * That no revision is applied yet is {@code nervesys-config}'s business (readiness).
 */
public final class DataPathHealthCheck extends AbstractHealthCheck {

    /** Free space below this on the data dir's disk is "disk full": SQLite needs room for a WAL frame and a journal. */
    static final long MIN_FREE_BYTES = 1L << 20;

    private final RecordBuffer buffer;
    private final Path dataDir;

    public DataPathHealthCheck(RecordBuffer buffer, Path dataDir) {
        super("nervesys", "nervesys-data-path");
        this.buffer = buffer;
        this.dataDir = dataDir.toAbsolutePath();
    }

    /**
     * Keeps the agent's context (the runtime sets it once started): the beans are bound again in each
     * throwaway context that validates a new revision, whose health registry would hand this check
     * its own, soon stopped and route-less, context.
     */
    @Override
    public void setCamelContext(CamelContext camelContext) {
        CamelContext current = getCamelContext();
        if (current == null || current.isStopped() || current.isStopping()) {
            super.setCamelContext(camelContext);
        }
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return true;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        boolean livenessOnly = options != null && HealthCheck.Kind.LIVENESS.equals(options.get(HealthCheck.CHECK_KIND));
        List<String> down = new ArrayList<>();
        builder.detail("dataDir", dataDir.toString());
        builder.detail("bufferBytes", buffer.bytesOnDisk());
        builder.detail("bufferMaxBytes", buffer.maxBytes());
        builder.detail("whenFull", buffer.whenFull().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));

        String dirError = probeDataDir();
        if (dirError != null) {
            down.add(dirError);
        }
        String writeError = buffer.writeError();
        builder.detail("bufferWritable", writeError == null);
        if (writeError != null) {
            down.add("the buffer cannot be written: " + writeError);
        }
        if (!livenessOnly) {
            boolean room = buffer.hasRoomForOneChunk();
            builder.detail("bufferAccepting", room);
            if (!room) {
                down.add("the buffer is full (" + buffer.bytesOnDisk() + " of " + buffer.maxBytes()
                        + " bytes) and nervesys.buffer.whenFull=reject: ingest answers 503 until it drains");
            }
            String ingest = ingestRoutes(builder);
            if (ingest != null) {
                down.add(ingest);
            }
        }
        if (down.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", down)).down();
        }
    }

    /** Null when a file can be created, written and deleted in the data dir and its disk has room. */
    private String probeDataDir() {
        try {
            Files.createDirectories(dataDir);
            Path probe = Files.createTempFile(dataDir, ".health-", ".tmp");
            try {
                Files.write(probe, new byte[] {1});
            } finally {
                Files.deleteIfExists(probe);
            }
            long free = Files.getFileStore(dataDir).getUsableSpace();
            if (free < MIN_FREE_BYTES) {
                return "the disk of the data dir " + dataDir + " is full (" + free + " bytes free)";
            }
            return null;
        } catch (IOException | SecurityException e) {
            return "the data dir " + dataDir + " cannot be written: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** Whether a route's consumer takes requests from the network (netty-http), not from inside the agent. */
    private static boolean listens(String uri) {
        return !(uri.startsWith("direct:") || uri.startsWith("seda:") || uri.startsWith("timer:"));
    }

    /** Null when every ingest route listening on the network (id ingest-*) is started, or when the ingest module is off. */
    private String ingestRoutes(HealthCheckResultBuilder builder) {
        CamelContext context = getCamelContext();
        if (context == null) {
            return null;
        }
        List<String> stopped = new ArrayList<>();
        int listening = 0;
        for (Route r : context.getRoutes()) {
            if (r.getRouteId().startsWith("ingest-") && r.getEndpoint() != null && listens(r.getEndpoint().getEndpointUri())) {
                ServiceStatus status = context.getRouteController().getRouteStatus(r.getRouteId());
                if (status == ServiceStatus.Started) {
                    listening++;
                } else {
                    stopped.add(r.getRouteId() + " (" + status + ")");
                }
            }
        }
        builder.detail("ingestRoutesListening", listening);
        if (stopped.isEmpty()) {
            return null;
        }
        return "ingest routes not listening: " + String.join(", ", stopped);
    }
}
