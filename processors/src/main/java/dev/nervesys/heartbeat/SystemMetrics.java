package dev.nervesys.heartbeat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU, memory and disk of the host, in percent, read the cheap way (MXBeans, /proc/meminfo). */
final class SystemMetrics {

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private SystemMetrics() {
    }

    static double cpuPercent() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double load = os.getCpuLoad();
            return load < 0 ? 0 : round(load * 100);
        }
        return 0;
    }

    /** Used memory: MemTotal - MemAvailable (page cache counts as free), else the MXBean's view. */
    static double ramPercent() {
        try {
            if (Files.isReadable(MEMINFO)) {
                long total = -1;
                long available = -1;
                List<String> lines = Files.readAllLines(MEMINFO);
                for (String l : lines) {
                    if (l.startsWith("MemTotal:")) {
                        total = kb(l);
                    } else if (l.startsWith("MemAvailable:")) {
                        available = kb(l);
                    }
                }
                if (total > 0 && available >= 0) {
                    return round(100.0 * (total - available) / total);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the MXBean
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            return total <= 0 ? 0 : round(100.0 * (total - os.getFreeMemorySize()) / total);
        }
        return 0;
    }

    private static long kb(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]);
    }

    /** Used space of the file system holding dir. */
    static double diskPercent(Path dir) {
        try {
            Path p = dir.toAbsolutePath();
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            if (p == null) {
                return 0;
            }
            FileStore store = Files.getFileStore(p);
            long total = store.getTotalSpace();
            return total <= 0 ? 0 : round(100.0 * (total - store.getUsableSpace()) / total);
        } catch (IOException e) {
            return 0;
        }
    }

    static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }
}
