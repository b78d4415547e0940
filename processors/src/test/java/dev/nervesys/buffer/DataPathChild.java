package dev.nervesys.buffer;

import java.io.FileReader;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A separate agent process for kill -9 tests: boots {@link DataPathHarness} from a properties file
 * ({@code env.X} entries become the fake environment, {@code routes} lists the route files), prints
 * READY and runs until it is killed.
 */
public final class DataPathChild {

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        try (Reader r = new FileReader(args[0])) {
            p.load(r);
        }
        TestSettings s = new TestSettings(Path.of(p.getProperty("dataDir")));
        List<String> routes = new ArrayList<>();
        for (String k : p.stringPropertyNames()) {
            String v = p.getProperty(k);
            if (k.startsWith("env.")) {
                s.env(k.substring(4), v);
            } else if (k.equals("routes")) {
                routes.addAll(List.of(v.split(",")));
            } else if (!k.equals("dataDir")) {
                s.set(k, v);
            }
        }
        DataPathHarness agent = new DataPathHarness(s, routes.toArray(String[]::new));
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close));
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Starts the child with the test class path; returns once it printed READY. */
    public static Process start(Path propsFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                DataPathChild.class.getName(), propsFile.toString()).redirectErrorStream(true).start();
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(proc.getInputStream()));
        StringBuilder seen = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals("READY")) {
                // keep draining so the child never blocks on a full pipe
                Thread drain = new Thread(() -> {
                    try {
                        while (in.readLine() != null) {
                            // discard
                        }
                    } catch (java.io.IOException e) {
                        // the child died: expected in these tests
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return proc;
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("child agent exited before READY:\n" + seen);
    }
}
