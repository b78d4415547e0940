package dev.nervesys.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker for tests: the KRaft single-node server of {@code org.apache.kafka:kafka_2.13}
 * (the release camel-kafka's client comes from), combined broker + controller, in the test JVM, on
 * free ports with a temporary log dir. {@link #stop} and {@link #start} stop and start the same
 * broker (same ports, same log dir, the records it held are kept), as an operator's restart does.
 *
 * <p>{@link #inOwnProcess} runs the same server in a JVM of its own (a child process with the JVM
 * options of Kafka's {@code kafka-server-start.sh}), as a field broker runs beside its clients: the
 * benchmarks use it so that the broker's threads, heap and GC are not the measured JVM's. Tests keep
 * the broker in their JVM.
 */
public final class KafkaBroker implements AutoCloseable {

    /** Kafka's own start script's JVM options (kafka-run-class.sh / kafka-server-start.sh, 3.9). */
    public static final List<String> KAFKA_JVM_OPTIONS = List.of("-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true");

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final boolean ownProcess;
    private volatile KafkaRaftServer server;
    private volatile Process process;

    public KafkaBroker() throws Exception {
        this(false);
    }

    /** A broker in a JVM of its own (see the class comment); {@link #close} stops it. */
    public static KafkaBroker inOwnProcess() throws Exception {
        return new KafkaBroker(true);
    }

    /** {@link #inOwnProcess()} when {@code mode} is {@code process} (the default), else in this JVM ({@code jvm}). */
    public static KafkaBroker of(String mode) throws Exception {
        return switch (mode) {
            case "process" -> inOwnProcess();
            case "jvm" -> new KafkaBroker();
            default -> throw new IllegalArgumentException("broker mode is process or jvm, not " + mode);
        };
    }

    private KafkaBroker(boolean ownProcess) throws Exception {
        this(Files.createTempDirectory("nervesys-kafka-"), freePort(), freePort(), Uuid.randomUuid().toString(), ownProcess, true);
    }

    private KafkaBroker(Path dir, int port, int controllerPort, String clusterId, boolean ownProcess, boolean format) throws Exception {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.ownProcess = ownProcess;
        if (format) {
            format();
        }
        start();
    }

    /**
     * The child of {@link #inOwnProcess}: args = log dir, port, controller port, cluster id. Runs the
     * broker (formatted by the parent) until its standard input ends (the parent closed it or died).
     */
    public static void main(String[] args) throws Exception {
        KafkaBroker b = new KafkaBroker(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3], false, false);
        System.out.println("BROKER " + b.bootstrapServers());
        while (System.in.read() >= 0) {
            // until EOF
        }
        b.stop();
        System.exit(0);
    }

    private void format() throws Exception {
        Formatter f = new Formatter()
                .setNodeId(1)
                .setClusterId(clusterId)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(dir.toString())
                .addDirectory(dir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        f.run();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private KafkaConfig config() {
        Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.put("unclean.leader.election.enable", "true");
        return new KafkaConfig(p, false);
    }

    /** Starts the broker (again) and waits until it answers on its listener. */
    public synchronized void start() throws Exception {
        if (server != null || process != null) {
            return;
        }
        if (ownProcess) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(KAFKA_JVM_OPTIONS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KafkaBroker.class.getName(), dir.toString(),
                    Integer.toString(port), Integer.toString(controllerPort), clusterId));
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolveSibling(dir.getFileName() + ".log").toFile())).start();
            Process p = process;
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        } else {
            KafkaRaftServer s = new KafkaRaftServer(config(), Time.SYSTEM);
            s.startup();
            server = s;
        }
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        }
    }

    /** Stops the broker (a clean shutdown); its records stay in the log dir for {@link #start}. */
    public synchronized void stop() {
        Process p = process;
        process = null;
        if (p != null) {
            try {
                p.getOutputStream().close(); // the child stops its broker cleanly at EOF
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (IOException | InterruptedException e) {
                p.destroyForcibly();
            }
        }
        KafkaRaftServer s = server;
        server = null;
        if (s != null) {
            s.shutdown();
            s.awaitShutdown();
        }
    }

    /** The broker's own process (its pid for CPU figures); null when it runs in this JVM. */
    public ProcessHandle processHandle() {
        Process p = process;
        return p == null ? null : p.toHandle();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
