package dev.nervesys.telecrunch.cli;

import dev.nervesys.spi.ErrorLine;
import dev.nervesys.telecrunch.codec.Compression;
import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.gen.Anomaly;
import dev.nervesys.telecrunch.gen.Generator;
import dev.nervesys.telecrunch.gen.GeneratorConfig;
import dev.nervesys.telecrunch.gen.HttpSink;
import dev.nervesys.telecrunch.gen.RecordSink;
import dev.nervesys.telecrunch.gen.Sinks;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code nervesys generate}: fake telemetry from a schema, to files or over HTTP. Exit 0 ok; 1 bad
 * schema, unwritable --out, --to unreachable or refusing batches; 2 usage. Failures are one line on stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate realistic telemetry from a TeleCrunch schema into files (--out) or over HTTP (--to).")
public class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--schema", required = true, description = "schema YAML, e.g. config/schemas/engine.yaml")
    Path schemaFile;

    @Option(names = "--count", required = true, description = "records to generate")
    long count;

    @Option(names = "--rate", defaultValue = "0", description = "total records per second (0 = as fast as possible)")
    double rate;

    @Option(names = "--threads", description = "worker threads (default: available cores)")
    Integer threads;

    @Option(names = "--seed", defaultValue = "1", description = "random seed; same seed, same records")
    long seed;

    @Option(names = "--anomalies", defaultValue = "0", description = "probability per record of an injected anomaly (0..1)")
    double anomalies;

    @Option(names = "--sources", description = "simulated sources (default: schema generator.sources, else 4)")
    Integer sources;

    @ArgGroup(multiplicity = "1")
    Target target;

    static class Target {
        @Option(names = "--out", description = "output directory") Path out;
        @Option(names = "--to", description = "POST batches to this URL, e.g. http://127.0.0.1:8086/ingest") URI to;
    }

    @Option(names = "--format", description = "bin | ndjson | lp | csv (default: bin for --out, ndjson for --to)")
    String format;

    @Option(names = "--compress", defaultValue = "none", description = "none | gzip | lz4 | zstd (text formats)")
    String compress;

    @Option(names = "--block", defaultValue = "4096", description = "records per block / HTTP batch")
    int block;

    @Option(names = "--rotate-bytes", defaultValue = "64MB", description = "start a new .tcb file at this size")
    String rotateBytes;

    @Option(names = "--rotate-records", defaultValue = "0", description = "start a new .tcb file after this many records (0 = off)")
    long rotateRecords;

    @Option(names = "--run-id", defaultValue = "run-1", description = "run_id of the records")
    String runId;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Schema schema;
        try {
            schema = SchemaLoader.load(schemaFile);
        } catch (SchemaException e) {
            err.println("generate: invalid schema " + schemaFile + ": " + ErrorLine.oneLine(e.getMessage()));
            return 1;
        } catch (IOException e) {
            err.println("generate: cannot read the schema: " + ErrorLine.of(e));
            return 1;
        }
        if (target.out != null && Files.exists(target.out) && !Files.isDirectory(target.out)) {
            err.println("generate: --out " + target.out + " is not a directory; give a new or existing directory");
            return 1;
        }
        if (target.to != null && (target.to.getHost() == null
                || !("http".equals(target.to.getScheme()) || "https".equals(target.to.getScheme())))) {
            throw new ParameterException(spec.commandLine(), "--to: '" + target.to + "' is not an http(s) URL; e.g. http://127.0.0.1:8086/ingest");
        }
        String fmt = format != null ? format.toLowerCase(java.util.Locale.ROOT) : target.to != null ? "ndjson" : "bin";
        boolean binary = fmt.equals("bin");
        if (binary && target.to != null) {
            throw new ParameterException(spec.commandLine(), "--to sends ndjson or lp, not bin");
        }
        if (count < 0 || anomalies < 0 || anomalies > 1 || rate < 0 || block < 1) {
            throw new ParameterException(spec.commandLine(), "--count, --rate >= 0, --anomalies in 0..1, --block >= 1");
        }
        OutputFormat textFormat;
        Compression compression;
        long maxBytes;
        try {
            textFormat = binary ? null : OutputFormat.of(fmt);
            compression = Compression.of(compress);
            maxBytes = dev.nervesys.spi.Sizes.parseBytes(rotateBytes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (textFormat == OutputFormat.LP) {
            try {
                dev.nervesys.telecrunch.codec.LineProtocolWriter.escapeTag(runId, "--run-id");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage() + "; choose another run id or another --format");
            }
        }
        if (binary && compression != Compression.NONE) {
            throw new ParameterException(spec.commandLine(), "--compress applies to text formats; .tcb is already packed");
        }
        GeneratorConfig base = GeneratorConfig.defaults(schema, count);
        GeneratorConfig cfg;
        try {
            cfg = base.with(seed, anomalies, rate, sources != null ? sources : base.sources())
                    .withThreads(threads != null ? threads : base.threads())
                    // packed files reject out-of-range values, so that anomaly kind is only made for text
                    .withSink(!binary, block, runId);
            Generator gen = new Generator(cfg);
            return run(gen, cfg, schema, textFormat, compression, maxBytes, out, err);
        } catch (SchemaException e) {
            err.println("generate: invalid model in " + schemaFile + ": " + ErrorLine.oneLine(e.getMessage()));
            return 1;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            err.println("generate: " + failure(e));
            return 1;
        } finally {
            err.flush();
        }
    }

    /** Why the records could not be written or sent, naming the directory or the host. */
    private String failure(Exception e) {
        if (target.to != null) {
            if (ErrorLine.unreachable(e)) {
                return "cannot reach " + ErrorLine.hostPort(target.to.toString()) + " (" + ErrorLine.connectReason(e)
                        + "); check --to and that the agent's ingest listens there";
            }
            return "sending to " + target.to + " failed: " + ErrorLine.of(e);
        }
        return "cannot write to " + target.out + ": " + ErrorLine.of(e);
    }

    private int run(Generator gen, GeneratorConfig cfg, Schema schema, OutputFormat textFormat, Compression compression,
                    long maxBytes, PrintWriter out, PrintWriter err) throws Exception {
        HttpClient client = target.to != null ? HttpSink.newClient() : null;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "telecrunch-progress");
            t.setDaemon(true);
            return t;
        });
        Progress progress = new Progress(gen.stats(), cfg.count(), System.err);
        if (!quiet) {
            ticker.scheduleAtFixedRate(progress::draw, 500, 500, TimeUnit.MILLISECONDS);
        }
        List<Anomaly> injected;
        try {
            injected = gen.run(t -> sink(t, schema, textFormat, compression, maxBytes, client, gen));
        } finally {
            ticker.shutdownNow();
        }
        if (!quiet) {
            progress.draw();
            System.err.println();
        }
        if (target.out != null && !injected.isEmpty()) {
            Path log = target.out.resolve("anomalies.ndjson");
            Files.write(log, injected.stream().map(Anomaly::toJson).toList());
            out.println("anomalies listed in " + log);
        }
        out.println(Progress.summary(gen.stats()));
        out.flush();
        if (gen.stats().failures() > 0) {
            err.println("generate: " + gen.stats().failures() + " batches were refused by " + target.to);
            return 1;
        }
        return 0;
    }

    private RecordSink sink(int thread, Schema schema, OutputFormat textFormat, Compression compression, long maxBytes,
                            HttpClient client, Generator gen) {
        try {
            if (client != null) {
                return new HttpSink(client, target.to, schema, textFormat, gen.stats());
            }
            String base = schema.name() + "-t" + thread;
            if (textFormat == null) {
                return Sinks.binary(target.out, base, schema, runId, maxBytes, rotateRecords);
            }
            return Sinks.text(target.out.resolve(base + textFormat.extension() + compression.extension()), schema,
                    textFormat, compression);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
