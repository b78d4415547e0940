package dev.nervesys.telecrunch.cli;

import dev.nervesys.spi.ErrorLine;
import dev.nervesys.telecrunch.codec.Compression;
import dev.nervesys.telecrunch.codec.OutputFormat;
import dev.nervesys.telecrunch.codec.RecordWriter;
import dev.nervesys.telecrunch.pack.CorruptDataException;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.SchemaMismatchException;
import dev.nervesys.telecrunch.pack.TcbReader;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nervesys decode}: .tcb files to NDJSON, line protocol or CSV. Every intact block is
 * written even when others are damaged; damage is reported on stderr and makes the exit code 1.
 * A file that cannot be read (missing, not a .tcb file, another schema) is one line on stderr.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode TeleCrunch .tcb files to ndjson, lp or csv (stdout or --out).")
public class DecodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".tcb files (also .tcb.part left by a crash)")
    List<Path> files;

    @Option(names = "--format", defaultValue = "ndjson", description = "ndjson | lp | csv")
    String format;

    @Option(names = "--out", description = "output file (default: stdout)")
    Path out;

    @Option(names = "--compress", defaultValue = "none", description = "none | gzip | lz4 | zstd")
    String compress;

    @Option(names = "--schema", description = "require files to be written with this schema (fingerprint check)")
    Path schemaFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        OutputFormat fmt;
        Compression compression;
        try {
            fmt = OutputFormat.of(format);
            compression = Compression.of(compress);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Schema expected = null;
        if (schemaFile != null) {
            try {
                expected = SchemaLoader.load(schemaFile);
            } catch (SchemaException e) {
                err.println("decode: invalid schema " + schemaFile + ": " + ErrorLine.oneLine(e.getMessage()));
                return 1;
            } catch (IOException e) {
                err.println("decode: cannot read the schema: " + ErrorLine.of(e));
                return 1;
            }
        }
        boolean damaged = false;
        boolean opened = false;
        long records = 0;
        OutputStream sink;
        try {
            sink = out != null ? Files.newOutputStream(out) : new FilterOutputStream(System.out) {
                @Override
                public void close() throws IOException {
                    flush(); // never close stdout
                }
            };
        } catch (IOException e) {
            err.println("decode: cannot write --out " + out + ": " + ErrorLine.of(e));
            return 1;
        }
        try (OutputStream stream = new BufferedOutputStream(compression.wrap(sink), 1 << 16)) {
            RecordWriter writer = null;
            Schema first = null;
            for (Path file : files) {
                TcbReader reader;
                try {
                    reader = new TcbReader(file, expected);
                } catch (CorruptDataException | SchemaMismatchException e) {
                    err.println("decode: " + ErrorLine.oneLine(e.getMessage()));
                    damaged = true;
                    continue;
                } catch (IOException e) {
                    err.println("decode: " + ErrorLine.of(e));
                    damaged = true;
                    continue;
                }
                opened = true;
                if (first == null) {
                    first = reader.schema();
                    writer = fmt.open(first, stream);
                } else if (first.fingerprint() != reader.schema().fingerprint()) {
                    err.println("decode: " + file + ": schema " + reader.schema() + " differs from " + first
                            + " of the first file; decode them separately");
                    damaged = true;
                    continue;
                }
                for (RecordBlock b; (b = reader.next()) != null; ) {
                    writer.write(b);
                    records += b.size();
                }
                for (String p : reader.problems()) {
                    err.println("warning: " + p);
                }
                damaged |= reader.blocksSkipped() > 0;
            }
            if (writer != null) {
                writer.flush();
            }
        } catch (IOException e) {
            err.println("decode: cannot write " + (out != null ? out : "to stdout") + ": " + ErrorLine.of(e));
            err.flush();
            return 1;
        } catch (IllegalArgumentException e) { // a name the output format cannot carry (line protocol)
            err.println("decode: " + ErrorLine.oneLine(e.getMessage()) + "; decode to another --format");
            err.flush();
            return 1;
        }
        if (opened) {
            // when no file could be read, their error lines say it all
            err.println("decoded " + records + " records from " + files.size() + " file(s)" + (damaged ? " with errors" : ""));
        }
        err.flush();
        return damaged ? 1 : 0;
    }
}
