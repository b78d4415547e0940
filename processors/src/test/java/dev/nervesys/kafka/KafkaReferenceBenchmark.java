package dev.nervesys.kafka;

import dev.nervesys.buffer.BufferedRecord;
import dev.nervesys.buffer.TestSettings;
import dev.nervesys.clickhouse.ClickHouseSchema;
import dev.nervesys.clickhouse.RowEncoder;
import dev.nervesys.common.ClickHouseClient;
import dev.nervesys.testing.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * The two rates issue 14 asks for, each beside the product's own tool, alternated over several
 * rounds in one run (docs/benchmarks.md, "Kafka", "Beside Kafka's and ClickHouse's own tools"). Not a
 * test: run by hand ({@code KafkaBenchmark reference [records] [rounds] [compression]}).
 *
 * <ol>
 * <li>Agent -> Kafka: the publisher (real kafka.camel.yaml, timed from the started route until its
 * cursor reached the head) beside {@code kafka-producer-perf-test} ({@link ProducerPerformance} of
 * kafka-tools 3.9.1, its own rate as it prints it) with the publisher's producer settings
 * ({@code --producer.config}) and the same record bodies ({@code --payload-file}); the tool sends
 * no key and no headers, so a plain {@link KafkaProducer} with the publisher's keys and headers is
 * run too.</li>
 * <li>Kafka -> ClickHouse: the sink (real kafka-sink.camel.yaml; group joined on 1,000 records
 * first, route suspended while the topic is filled, timed from its resume until every record is
 * inserted) beside ClickHouse's own insert of the same rows: the same records encoded beforehand
 * with {@link RowEncoder} and POSTed to the HTTP interface as the sink sends them (RowBinary,
 * {@code events} then {@code series}, in slices of the sink's poll size), each in a database of its
 * own.</li>
 * </ol>
 */
final class KafkaReferenceBenchmark {

    private static final Pattern PERF_TOTAL = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec");
    private static final String CLICKHOUSE = "http://127.0.0.1:8123";

    private KafkaReferenceBenchmark() {
    }

    static void run(int n, int rounds, String compression, String which) throws Exception {
        Path dir = Files.createTempDirectory("nervesys-kafka-ref");
        List<String> dbs = new ArrayList<>();
        ClickHouseClient admin = new ClickHouseClient(CLICKHOUSE, "default", null, null, Duration.ofSeconds(60));
        String mode = System.getProperty("broker", "process");
        try (KafkaBroker broker = KafkaBroker.of(mode)) {
            System.out.println("broker: " + (mode.equals("process") ? "a JVM of its own (pid " + broker.processHandle().pid() + ", "
                    + String.join(" ", KafkaBroker.KAFKA_JVM_OPTIONS) + ")" : "in this JVM (-Dbroker=jvm)"));
            TestSettings base = KafkaNode.settings(dir.resolve("fill"), broker).set("nervesys.kafka.compression", compression);
            List<BufferedRecord> records;
            try (KafkaNode filler = new KafkaNode(base)) {
                fill(filler, n);
                records = filler.buffer().read(0, n);
            }
            long bodyBytes = records.stream().mapToLong(r -> r.body().length).sum();
            System.out.printf(Locale.ROOT, "%,d telemetry records, %.0f body bytes each on average, compression %s, %d rounds%n", n,
                    (double) bodyBytes / n, compression, rounds);
            Properties producer = new KafkaClients(KafkaSettings.from(base)).producerProperties();
            if (!which.equals("sink")) {
                agentToKafka(broker, dir, records, producer, rounds, compression, dbs);
            }
            if (!which.equals("publisher")) {
                kafkaToClickHouse(broker, dir, records, producer, rounds, compression, dbs);
            }
        } finally {
            for (String db : dbs) {
                admin.execute("DROP DATABASE IF EXISTS " + db);
            }
        }
    }

    private static void fill(KafkaNode node, int n) throws Exception {
        for (int i = 0; i < n; i += 10_000) {
            KafkaNode.telemetry(node.buffer(), i, Math.min(10_000, n - i), KafkaSinkTest.RUNS);
        }
    }

    // ---- 1. agent -> Kafka beside kafka-producer-perf-test ----

    private static void agentToKafka(KafkaBroker broker, Path dir, List<BufferedRecord> records, Properties producer, int rounds,
            String compression, List<String> dbs) throws Exception {
        int n = records.size();
        broker.createTopic("nervesys-telemetry", 6);
        broker.createTopic("perf", 6);
        broker.createTopic("keyed", 6);
        Path payload = dir.resolve("payload.txt");
        try (OutputStream out = Files.newOutputStream(payload)) {
            for (BufferedRecord r : records) {
                out.write(r.body());
                out.write('\n');
            }
        }
        Path config = dir.resolve("producer.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            producer.store(out, "the publisher's producer settings (KafkaClients.producerProperties)");
        }
        System.out.println("producer settings: " + new java.util.TreeMap<>(producer));
        String[] perfArgs = {"--topic", "perf", "--num-records", Integer.toString(n), "--throughput", "-1", "--payload-file",
                payload.toString(), "--producer.config", config.toString()};
        System.out.println("kafka-producer-perf-test " + String.join(" ", perfArgs));
        List<double[]> table = new ArrayList<>();
        List<double[]> headerTable = new ArrayList<>();
        for (String v : HEADER_VARIANTS) {
            broker.createTopic("hv-" + v.replace("+", "_"), 6);
        }
        // Order balanced: the side that sends first in a round was the faster in 7 of 9 rounds of the
        // last unbalanced run (docs/benchmarks.md, "Publisher on a quieter machine"), so every pair of
        // rounds runs both orders and the verdict is the median over an even number of rounds.
        if (rounds % 2 != 0) {
            rounds++;
            System.out.println("rounds made even (" + rounds + "): as many rounds with each side first");
        }
        boolean extras = Boolean.parseBoolean(System.getProperty("extras", "true"));
        // the first rounds of a JVM run before the JIT compiled either side (0.51-0.66 in the first round,
        // 0.9-1.0 after, docs/benchmarks.md): two rounds, one of each order, are run and printed, not counted
        int warmUp = Integer.getInteger("warmUpRounds", 2);
        if (warmUp % 2 != 0) {
            warmUp++;
        }
        rounds += warmUp;
        long settleMillis = Long.getLong("settleMillis", 3_000);
        // every round's buffer is filled before the first timed send, so no side runs while the
        // filler's writes are still going to disk
        List<Path> pubDirs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Path d = dir.resolve("pub-" + round);
            try (KafkaNode filler = new KafkaNode(publisherSettings(broker, d, compression, dbs, round))) {
                fill(filler, n);
            }
            pubDirs.add(d);
        }
        for (int round = 0; round < rounds; round++) {
            double perf;
            double pub;
            double keyed = Double.NaN;
            if (round % 2 == 0) {
                settle(settleMillis);
                perf = producerPerformance(perfArgs);
                settle(settleMillis);
                pub = publisher(broker, pubDirs.get(round), n, compression, dbs, round);
            } else {
                settle(settleMillis);
                pub = publisher(broker, pubDirs.get(round), n, compression, dbs, round);
                settle(settleMillis);
                perf = producerPerformance(perfArgs);
            }
            System.out.printf(Locale.ROOT, "round %d (%s first): kafka-producer-perf-test %,.0f rec/s, publisher %,.0f rec/s; "
                    + "publisher / perf-test %.2f%n", round, round % 2 == 0 ? "perf-test" : "publisher", perf, pub, pub / perf);
            if (extras) {
                keyed = keyedProducer(producer, records);
                double[] variants = new double[HEADER_VARIANTS.length];
                for (int v = 0; v < variants.length; v++) {
                    int k = (v + round) % variants.length; // a different order each round
                    variants[k] = headerVariant(producer, records, k);
                }
                System.out.printf(Locale.ROOT, "  KafkaProducer with keys and headers %,.0f rec/s; publisher / keyed %.2f%n", keyed,
                        pub / keyed);
                StringBuilder hv = new StringBuilder("  header cost, KafkaProducer, same records and key:");
                for (int v = 0; v < variants.length; v++) {
                    hv.append(String.format(Locale.ROOT, " %s %,.0f (%.2f)", HEADER_VARIANTS[v], variants[v], variants[v] / variants[0]));
                }
                System.out.println(hv);
                headerTable.add(variants);
            }
            table.add(new double[] {perf, pub, keyed});
        }
        if (extras) {
            StringBuilder head = new StringBuilder("| round |");
            for (String v : HEADER_VARIANTS) {
                head.append(' ').append(v).append(" |");
            }
            System.out.println(head);
            for (int i = 0; i < headerTable.size(); i++) {
                StringBuilder row = new StringBuilder("| " + (i + 1) + " |");
                for (double v : headerTable.get(i)) {
                    row.append(String.format(Locale.ROOT, " %,.0f (%.2f) |", v, v / headerTable.get(i)[0]));
                }
                System.out.println(row);
            }
        }
        System.out.println("| round | kafka-producer-perf-test | publisher | KafkaProducer, keys + headers | publisher / perf-test | publisher / keyed |");
        List<Double> all = new ArrayList<>();
        List<Double> perfFirst = new ArrayList<>();
        List<Double> pubFirst = new ArrayList<>();
        List<Double> pairs = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            double[] t = table.get(i);
            double ratio = t[1] / t[0];
            if (i >= warmUp) {
                all.add(ratio);
                (i % 2 == 0 ? perfFirst : pubFirst).add(ratio);
                if (i % 2 == 1) {
                    pairs.add(Math.sqrt(ratio * table.get(i - 1)[1] / table.get(i - 1)[0]));
                }
            }
            String keyed = extras ? String.format(Locale.ROOT, "%,.0f", t[2]) : "-";
            String perKeyed = extras ? String.format(Locale.ROOT, "%.2f", t[1] / t[2]) : "-";
            System.out.printf(Locale.ROOT, "| %s (%s) | %,.0f | %,.0f | %s | %.2f | %s |%n", i < warmUp ? "warm-up" : Integer.toString(i + 1 - warmUp),
                    i % 2 == 0 ? "perf-test first" : "publisher first", t[0], t[1], keyed, ratio, perKeyed);
        }
        System.out.printf(Locale.ROOT, "publisher / perf-test, warm-up rounds left out: median %.2f over %d rounds (%.2f-%.2f); perf-test first: median %.2f, "
                + "publisher first: median %.2f; pairs of both orders (geometric mean of each pair): median %.2f%n", median(all),
                all.size(), Collections.min(all), Collections.max(all), median(perfFirst), median(pubFirst), median(pairs));
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int m = v.size() / 2;
        return v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2;
    }

    /** Before each timed side: a full GC, the page cache written out, then a pause, so neither side pays for the other's leftovers. */
    private static void settle(long millis) throws Exception {
        System.gc();
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        Thread.sleep(millis);
    }

    /** kafka-producer-perf-test in this JVM: its own figure (records/s from its start to the closed producer). */
    private static double producerPerformance(String[] args) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        try {
            ProducerPerformance.main(args);
        } finally {
            System.setOut(out);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        String text = captured.toString(StandardCharsets.UTF_8);
        Matcher m = PERF_TOTAL.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(2);
        }
        if (last == null) {
            throw new IllegalStateException("kafka-producer-perf-test printed no total: " + text);
        }
        String[] lines = text.strip().split("\n");
        System.out.printf(Locale.ROOT, "  perf-test: %s (wall %.2f s)%n", lines[lines.length - 1], wall);
        return Double.parseDouble(last);
    }

    private static TestSettings publisherSettings(KafkaBroker broker, Path dir, String compression, List<String> dbs, int round) {
        String db = "kmeas_pub_" + round;
        if (!dbs.contains(db)) {
            dbs.add(db);
        }
        return KafkaNode.settings(dir, broker).set("nervesys.kafka.batchRows", "20000")
                .set("nervesys.kafka.compression", compression).set("nervesys.kafka.checkEvery", "10ms")
                // the shipper's cursor holds the rows as in KafkaBenchmark (the shipper is not run)
                .set("nervesys.clickhouse.url", CLICKHOUSE).set("nervesys.clickhouse.database", db);
    }

    /** The publisher over a buffer filled beforehand: timed from its route's start until its cursor reached the head. */
    private static double publisher(KafkaBroker broker, Path dir, int n, String compression, List<String> dbs, int round)
            throws Exception {
        TestSettings s = publisherSettings(broker, dir, compression, dbs, round).set("nervesys.kafka.publish", "true");
        try (KafkaNode agent = new KafkaNode(s, false, "kafka.camel.yaml")) {
            if (agent.publisher().pendingRows() != n) {
                throw new IllegalStateException("the buffer holds " + agent.publisher().pendingRows() + " rows, not " + n);
            }
            long t0 = System.nanoTime();
            agent.context.getRouteController().startAllRoutes();
            while (agent.publisher().pendingRows() > 0) {
                if (agent.publisher().consecutiveFailures() > 0) {
                    throw new IllegalStateException(agent.publisher().lastError());
                }
                Thread.sleep(2);
            }
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            System.out.printf(Locale.ROOT, "  publisher: %,d records in %.2f s%n", n, n / rate);
            return rate;
        }
    }

    /**
     * The publisher's records with a plain KafkaProducer, headers varied (issue 14: what the headers
     * cost): {@code 4h} the four headers of two releases ago; {@code 3h} without nervesys.agent (the
     * agent is in the key: the previous release); {@code 1h} one header nervesys = kind:id:received
     * (the current format); {@code key-only} no headers at all (what kafka-producer-perf-test sends,
     * but with the key).
     */
    static final String[] HEADER_VARIANTS = {"4h", "3h", "1h", "key-only"};

    private static double headerVariant(Properties props, List<BufferedRecord> records, int variant) throws Exception {
        String topic = "hv-" + HEADER_VARIANTS[variant].replace("+", "_");
        byte[] agent = "bench".getBytes(StandardCharsets.UTF_8);
        byte[] kind = "telemetry".getBytes(StandardCharsets.UTF_8);
        byte[] kindPrefix = "telemetry:".getBytes(StandardCharsets.US_ASCII);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            List<Future<?>> acks = new ArrayList<>(records.size());
            for (BufferedRecord r : records) {
                String key = "bench/" + RunKey.runId(r.body());
                ProducerRecord<String, byte[]> pr;
                if (variant == 3) {
                    pr = new ProducerRecord<>(topic, null, key, r.body());
                } else {
                    org.apache.kafka.common.header.internals.RecordHeaders h = new org.apache.kafka.common.header.internals.RecordHeaders();
                    if (variant == 2) {
                        h.add(KafkaPublisher.H_META, KafkaPublisher.meta(kindPrefix, r.id(), r.receivedAt()));
                    } else {
                        if (variant == 0) {
                            h.add(KafkaPublisher.H_AGENT, agent);
                        }
                        h.add(KafkaPublisher.H_ID, Long.toString(r.id()).getBytes(StandardCharsets.ISO_8859_1));
                        h.add(KafkaPublisher.H_KIND, kind);
                        h.add(KafkaPublisher.H_RECEIVED, Long.toString(r.receivedAt()).getBytes(StandardCharsets.ISO_8859_1));
                    }
                    pr = new ProducerRecord<>(topic, null, key, r.body(), h);
                }
                acks.add(p.send(pr));
            }
            p.flush();
            for (Future<?> f : acks) {
                f.get();
            }
            return records.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double keyedProducer(Properties props, List<BufferedRecord> records) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            send(p, "keyed", records);
            return records.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The records as the publisher sends them (key agent/run, its one header kind:id:received), all acknowledged. */
    private static void send(KafkaProducer<String, byte[]> p, String topic, List<BufferedRecord> records) throws Exception {
        List<Future<?>> acks = new ArrayList<>(records.size());
        byte[] kindPrefix = "telemetry:".getBytes(StandardCharsets.US_ASCII);
        for (BufferedRecord r : records) {
            ProducerRecord<String, byte[]> pr = new ProducerRecord<>(topic, "bench/" + RunKey.runId(r.body()), r.body());
            pr.headers().add(KafkaPublisher.H_META, KafkaPublisher.meta(kindPrefix, r.id(), r.receivedAt()));
            acks.add(p.send(pr));
        }
        p.flush();
        for (Future<?> f : acks) {
            f.get();
        }
    }

    // ---- 2. Kafka -> ClickHouse beside ClickHouse's own insert of the same rows ----

    private static final int WARM_UP = 1_000;
    /** The sink's poll size and the reference's slice (-Dpoll=N, default 20,000 as nervesys.kafka.sink.maxPollRecords). */
    private static final int POLL = Integer.getInteger("poll", 20_000);

    private static void kafkaToClickHouse(KafkaBroker broker, Path dir, List<BufferedRecord> records, Properties producer, int rounds,
            String compression, List<String> dbs) throws Exception {
        List<BufferedRecord> timed = records.subList(WARM_UP, records.size());
        List<double[]> table = new ArrayList<>();
        long[] rows = new long[1];
        boolean client = Files.isExecutable(Path.of(CLICKHOUSE_CLIENT)) && !Boolean.getBoolean("noClient");
        Path files = client ? clientFiles(dir, timed) : null;
        for (int round = 0; round < rounds; round++) {
            double sink;
            double own;
            double[] cli = {Double.NaN, Double.NaN};
            if (round % 2 == 0) {
                own = clickHouseOwn(timed, round, dbs, rows);
                if (client) {
                    cli = clickHouseClient(files, timed.size(), round, dbs);
                }
                sink = sink(broker, dir.resolve("sink-" + round), records, producer, round, dbs);
            } else {
                sink = sink(broker, dir.resolve("sink-" + round), records, producer, round, dbs);
                if (client) {
                    cli = clickHouseClient(files, timed.size(), round, dbs);
                }
                own = clickHouseOwn(timed, round, dbs, rows);
            }
            System.out.printf(Locale.ROOT, "round %d: ClickHouse's own insert (HTTP RowBinary) %,.0f rec/s, clickhouse-client RowBinary "
                    + "%,.0f, JSONEachRow %,.0f, sink %,.0f rec/s; sink / own %.2f, sink / client RowBinary %.2f, "
                    + "sink / client JSONEachRow %.2f%n", round, own, cli[0], cli[1], sink, sink / own, sink / cli[0], sink / cli[1]);
            table.add(new double[] {own, cli[0], cli[1], sink});
        }
        if (files != null) {
            try (var l = Files.list(files)) {
                for (Path f : l.toList()) {
                    Files.delete(f); // 0.6 GB for a million records
                }
            }
        }
        System.out.printf(Locale.ROOT, "%,d records = %,d rows (events + series) each round%n", timed.size(), rows[0]);
        System.out.println("| round | HTTP RowBinary POST (rec/s, rows/s) | clickhouse-client RowBinary | clickhouse-client JSONEachRow "
                + "| sink (rec/s, rows/s) | sink / POST | sink / client RowBinary | sink / client JSONEachRow |");
        double perRecord = (double) rows[0] / timed.size();
        for (int i = 0; i < table.size(); i++) {
            double[] t = table.get(i);
            System.out.printf(Locale.ROOT, "| %d (%s) | %,.0f / %,.0f | %,.0f | %,.0f | %,.0f / %,.0f | %.2f | %.2f | %.2f |%n", i + 1,
                    i % 2 == 0 ? "own first" : "sink first", t[0], t[0] * perRecord, t[1], t[2], t[3], t[3] * perRecord, t[3] / t[0],
                    t[3] / t[1], t[3] / t[2]);
        }
    }

    private static final String CLICKHOUSE_CLIENT = "/usr/bin/clickhouse-client";

    /**
     * The timed records' rows as files for clickhouse-client, encoded beforehand with the sink's
     * encoder: RowBinary (the sink's columns) and JSONEachRow, one file per table and format.
     */
    private static Path clientFiles(Path dir, List<BufferedRecord> timed) throws Exception {
        Path d = Files.createDirectories(dir.resolve("client"));
        try (OutputStream eb = Files.newOutputStream(d.resolve("events.bin")); OutputStream sb = Files.newOutputStream(d.resolve("series.bin"));
                OutputStream ej = Files.newOutputStream(d.resolve("events.json"));
                OutputStream sj = Files.newOutputStream(d.resolve("series.json"))) {
            for (int i = 0; i < timed.size(); i += POLL) {
                List<BufferedRecord> slice = timed.subList(i, Math.min(timed.size(), i + POLL));
                RowEncoder.Batch bin = RowEncoder.encode(slice, true, true);
                eb.write(bin.events.buf, 0, bin.events.size);
                sb.write(bin.series.buf, 0, bin.series.size);
                RowEncoder.Batch json = RowEncoder.encode(slice, false, false);
                ej.write(json.events.buf, 0, json.events.size);
                sj.write(json.series.buf, 0, json.series.size);
            }
        }
        try (var l = Files.list(d)) {
            l.sorted().forEach(f -> System.out.printf(Locale.ROOT, "  clickhouse-client file %s: %,d bytes%n", f.getFileName(),
                    f.toFile().length()));
        }
        return d;
    }

    /**
     * ClickHouse's own command-line client (native protocol, port 9000) inserting the same rows from
     * the files of {@link #clientFiles}: {@code clickhouse-client --query "INSERT INTO db.t (cols)
     * FORMAT RowBinary" < file}, events then series, timed from the first process's start to the
     * second's exit (process start included); then the same with JSONEachRow into a second database.
     * Returns {RowBinary, JSONEachRow} in records/s.
     */
    private static double[] clickHouseClient(Path files, int n, int round, List<String> dbs) throws Exception {
        double[] out = new double[2];
        String[][] formats = {{"RowBinary", "bin"}, {"JSONEachRow", "json"}};
        for (int f = 0; f < 2; f++) {
            String db = "kmeas_cli" + formats[f][1] + "_" + round;
            dbs.add(db);
            ClickHouseClient ch = new ClickHouseClient(CLICKHOUSE, db, null, null, Duration.ofSeconds(60));
            ClickHouseSchema.create(ch);
            long t0 = System.nanoTime();
            for (String table : List.of("events", "series")) {
                String cols = f == 0 ? " (" + (table.equals("events") ? RowEncoder.EVENTS_COLUMNS : RowEncoder.SERIES_COLUMNS) + ")" : "";
                Process p = new ProcessBuilder(CLICKHOUSE_CLIENT, "--query",
                        "INSERT INTO " + db + "." + table + cols + " FORMAT " + formats[f][0])
                        .redirectInput(files.resolve(table + "." + formats[f][1]).toFile()).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("clickhouse-client failed: " + said);
                }
            }
            out[f] = n / ((System.nanoTime() - t0) / 1e9);
            long inEvents = Long.parseLong(ch.execute("SELECT count() FROM " + ch.table("events")).trim());
            long inSeries = Long.parseLong(ch.execute("SELECT count() FROM " + ch.table("series")).trim());
            System.out.printf(Locale.ROOT, "  clickhouse-client (%s from files): %,d records in %.2f s, %,d in events, %,d in series%n",
                    formats[f][0], n, n / out[f], inEvents, inSeries);
            if (inEvents != n) {
                throw new IllegalStateException("events holds " + inEvents + " rows, expected " + n);
            }
        }
        return out;
    }

    /** The records' rows, encoded beforehand as the sink encodes them, POSTed slice by slice: events, then series. */
    private static double clickHouseOwn(List<BufferedRecord> timed, int round, List<String> dbs, long[] rows) throws Exception {
        String db = "kmeas_own_" + round;
        dbs.add(db);
        ClickHouseClient ch = new ClickHouseClient(CLICKHOUSE, db, null, null, Duration.ofSeconds(60));
        ClickHouseSchema.create(ch);
        boolean eb = ClickHouseSchema.rowBinaryFits(ch, "events");
        boolean sb = ClickHouseSchema.rowBinaryFits(ch, "series");
        List<RowEncoder.Batch> slices = new ArrayList<>();
        long seriesRows = 0;
        for (int i = 0; i < timed.size(); i += POLL) {
            RowEncoder.Batch b = RowEncoder.encode(timed.subList(i, Math.min(timed.size(), i + POLL)), eb, sb);
            slices.add(b);
            seriesRows += b.seriesRows;
        }
        rows[0] = timed.size() + seriesRows;
        long t0 = System.nanoTime();
        for (RowEncoder.Batch b : slices) {
            post(ch, "events", eb, RowEncoder.EVENTS_COLUMNS, b.events);
            post(ch, "series", sb, RowEncoder.SERIES_COLUMNS, b.series);
        }
        double rate = timed.size() / ((System.nanoTime() - t0) / 1e9);
        long inEvents = Long.parseLong(ch.execute("SELECT count() FROM " + ch.table("events")).trim());
        System.out.printf(Locale.ROOT, "  ClickHouse's own insert (%s, %d slices): %,d records in %.2f s, %,d in events%n",
                eb && sb ? "RowBinary" : "JSONEachRow", slices.size(), timed.size(), timed.size() / rate, inEvents);
        if (inEvents != timed.size()) {
            throw new IllegalStateException("events holds " + inEvents + " rows, expected " + timed.size());
        }
        return rate;
    }

    private static void post(ClickHouseClient ch, String table, boolean binary, String columns, RowEncoder.Bytes rows)
            throws Exception {
        if (binary) {
            ch.insertRowBinary(table, columns, rows.buf, 0, rows.size);
        } else {
            ch.insert(table, rows.buf, 0, rows.size);
        }
    }

    private static double sink(KafkaBroker broker, Path dir, List<BufferedRecord> records, Properties producer, int round,
            List<String> dbs) throws Exception {
        String db = "kmeas_sink_" + round;
        dbs.add(db);
        String topic = "sink-" + round;
        broker.createTopic(topic, 6);
        TestSettings s = KafkaNode.settings(dir, broker).set("nervesys.clickhouse.url", CLICKHOUSE)
                .set("nervesys.clickhouse.database", db).set("nervesys.kafka.topic.telemetry", topic)
                .set("nervesys.kafka.sink.group", "sink-" + round).set("nervesys.kafka.sink.maxPollRecords", Integer.toString(POLL));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producer, new StringSerializer(), new ByteArraySerializer());
                KafkaNode sink = new KafkaNode(s, "kafka-sink.camel.yaml")) {
            // the group is joined and the partitions assigned on the first records, not timed
            send(p, topic, records.subList(0, WARM_UP));
            while (sink.sink().insertedRecords() < WARM_UP) {
                check(sink);
                Thread.sleep(10);
            }
            sink.context.getRouteController().suspendRoute("kafka-sink");
            send(p, topic, records.subList(WARM_UP, records.size()));
            int timed = records.size() - WARM_UP;
            long batches0 = (Long) sink.sink().status().get("batches");
            io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            sink.sink().bindTo(registry);
            long cpu0 = cpuNanos();
            long brokerCpu0 = brokerCpuNanos(broker);
            long t0 = System.nanoTime();
            sink.context.getRouteController().resumeRoute("kafka-sink");
            while (sink.sink().insertedRecords() < records.size()) {
                check(sink);
                Thread.sleep(2);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double rate = timed / wall;
            long cpu = cpuNanos() - cpu0;
            long brokerCpu = brokerCpuNanos(broker) - brokerCpu0;
            Thread.sleep(200); // the last batch counts itself after its offset commit
            System.out.printf(Locale.ROOT, "  sink: %,d records in %.2f s (%d batches, %,d duplicates); CPU: this JVM %.2f s, broker %s%n",
                    timed, timed / rate, (Long) sink.sink().status().get("batches") - batches0, sink.sink().duplicatesSkipped(),
                    cpu / 1e9, brokerCpu < 0 ? "(in this JVM)" : String.format(Locale.ROOT, "%.2f s", brokerCpu / 1e9));
            stages(registry, wall);
            return rate;
        }
    }

    /** The sink's stage timers of one round (nervesys.kafka.sink.stage): count, sum, mean, max, share of the round's wall time. */
    private static void stages(io.micrometer.core.instrument.MeterRegistry registry, double wall) {
        StringBuilder b = new StringBuilder("  stages (count, sum s, mean ms, max ms, % of the round):");
        for (io.micrometer.core.instrument.Timer t : registry.find("nervesys.kafka.sink.stage").timers()) {
            if (t.count() == 0) {
                continue;
            }
            String table = t.getId().getTag("table");
            double sum = t.totalTime(java.util.concurrent.TimeUnit.SECONDS);
            b.append(String.format(Locale.ROOT, "%n    %-10s %-6s %5d %7.3f %8.1f %8.1f %5.0f%%", t.getId().getTag("stage"),
                    "-".equals(table) ? "" : table, t.count(), sum, t.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                    t.max(java.util.concurrent.TimeUnit.MILLISECONDS), 100 * sum / wall));
        }
        System.out.println(b);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The broker process's CPU time so far; -1 when the broker runs in this JVM. */
    private static long brokerCpuNanos(KafkaBroker broker) {
        ProcessHandle h = broker.processHandle();
        return h == null ? -1 : h.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    private static void check(KafkaNode sink) {
        if (sink.sink().consecutiveFailures() > 0) {
            throw new IllegalStateException(sink.sink().lastError());
        }
    }
}
