package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.telecrunch.schema.FieldSpec;
import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaException;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchemaLoaderTest {

    @Test
    void engineSchemaCoversEveryTypeWithAtLeastEightFields() {
        Schema s = Blocks.engine();
        assertThat(s.name()).isEqualTo("engine");
        assertThat(s.fieldCount()).isGreaterThanOrEqualTo(8);
        Set<FieldType> types = s.fields().stream().map(FieldSpec::type).collect(Collectors.toSet());
        assertThat(types).isEqualTo(EnumSet.allOf(FieldType.class));
        FieldSpec rpm = s.field(s.indexOf("rpm"));
        assertThat(rpm.minUnit()).isZero();
        assertThat(rpm.maxUnit()).isEqualTo(80_000);
        assertThat(rpm.rawBits()).isEqualTo(17);
        FieldSpec gear = s.field(s.indexOf("gear"));
        assertThat(gear.maxUnit()).isEqualTo(7);
    }

    @Test
    void intBitsDefineTheRange() {
        Schema s = SchemaLoader.parse("""
                name: t
                version: 1
                fields:
                  - {name: a, type: int, bits: 8, signed: true}
                  - {name: b, type: int, bits: 64, signed: true}
                  - {name: c, type: float, min: -1, max: 1, precision: 0.25}
                """);
        assertThat(s.field(0).minUnit()).isEqualTo(-128);
        assertThat(s.field(0).maxUnit()).isEqualTo(127);
        assertThat(s.field(1).minUnit()).isEqualTo(Long.MIN_VALUE);
        assertThat(s.field(1).rawBits()).isEqualTo(64);
        assertThat(s.field(2).minUnit()).isEqualTo(-4);
        assertThat(s.field(2).decimals()).isEqualTo(2);
        assertThat(s.field(2).precisionScaled()).isEqualTo(25);
    }

    @Test
    void fingerprintIgnoresFormattingButNotMeaning() {
        Schema a = SchemaLoader.parse("name: t\nversion: 1\nfields:\n  - {name: x, type: int, min: 0, max: 9}\n");
        Schema b = SchemaLoader.parse("# comment\nversion: 1\nname: t\nfields:\n  - type: int\n    max: 9\n    min: 0\n    name: x\n");
        Schema c = SchemaLoader.parse("name: t\nversion: 1\nfields:\n  - {name: x, type: int, min: 0, max: 10}\n");
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
        assertThat(a.fingerprint()).isNotEqualTo(c.fingerprint());
        assertThat(SchemaLoader.parse(a.canonicalJson()).fingerprint()).isEqualTo(a.fingerprint());
    }

    static Stream<Arguments> invalidSchemas() {
        return Stream.of(
                Arguments.of("missing name", "version: 1\nfields: [{name: x, type: bool}]", "'name' is required"),
                Arguments.of("bad version", "name: t\nversion: 0\nfields: [{name: x, type: bool}]", "version must be an integer >= 1"),
                Arguments.of("no fields", "name: t\nversion: 1\nfields: []", "fields must be a non-empty list"),
                Arguments.of("unknown type", "name: t\nversion: 1\nfields: [{name: x, type: double}]", "field 'x': unknown type 'double'"),
                Arguments.of("duplicate", "name: t\nversion: 1\nfields: [{name: x, type: bool}, {name: x, type: bool}]", "field 'x': duplicate field name"),
                Arguments.of("min above max", "name: t\nversion: 1\nfields: [{name: x, type: int, min: 5, max: 1}]", "field 'x': min 5 is greater than max 1"),
                Arguments.of("bits and min", "name: t\nversion: 1\nfields: [{name: x, type: int, bits: 4, min: 0}]", "field 'x': give either bits or min/max"),
                Arguments.of("bits too wide", "name: t\nversion: 1\nfields: [{name: x, type: int, bits: 64}]", "field 'x': bits must be 1..63"),
                Arguments.of("zero precision", "name: t\nversion: 1\nfields: [{name: x, type: float, min: 0, max: 1, precision: 0}]", "field 'x': precision must be > 0"),
                Arguments.of("too fine", "name: t\nversion: 1\nfields: [{name: x, type: float, min: 0, max: 1e30, precision: 0.001}]", "field 'x': range / precision exceeds"),
                Arguments.of("empty enum", "name: t\nversion: 1\nfields: [{name: x, type: enum, values: []}]", "field 'x': enum needs values"),
                Arguments.of("enum dup", "name: t\nversion: 1\nfields: [{name: x, type: enum, values: [a, a]}]", "field 'x': enum value 'a' is listed twice"),
                Arguments.of("bad resolution", "name: t\nversion: 1\nfields: [{name: x, type: time, resolution: min}]", "field 'x': resolution 'min'"),
                Arguments.of("string no max", "name: t\nversion: 1\nfields: [{name: x, type: string}]", "field 'x': maxLength"),
                Arguments.of("typo key", "name: t\nversion: 1\nfields: [{name: x, type: int, min: 0, maxx: 3}]", "field 'x': unknown key 'maxx'"),
                Arguments.of("bad name", "name: 'a b'\nversion: 1\nfields: [{name: x, type: bool}]", "name 'a b' must match"),
                Arguments.of("not yaml", "name: [unclosed", "not valid YAML"),
                // issue 19: names every format would duplicate, and names line protocol cannot carry
                Arguments.of("field time", "name: t\nversion: 1\nfields: [{name: time, type: bool}]",
                        "field 'time': the name is reserved: every output format carries the record's own run_id, source, type,"
                                + " frame, time, seq next to the fields"),
                Arguments.of("field seq", "name: t\nversion: 1\nfields: [{name: seq, type: bool}]", "field 'seq': the name is reserved"),
                Arguments.of("field source", "name: t\nversion: 1\nfields: [{name: source, type: bool}]", "field 'source': the name is reserved"),
                Arguments.of("field run_id", "name: t\nversion: 1\nfields: [{name: run_id, type: bool}]", "field 'run_id': the name is reserved"),
                Arguments.of("field type", "name: t\nversion: 1\nfields: [{name: type, type: bool}]", "field 'type': the name is reserved"),
                Arguments.of("field frame", "name: t\nversion: 1\nfields: [{name: frame, type: bool}]", "field 'frame': the name is reserved"),
                Arguments.of("trailing backslash", "name: t\nversion: 1\nfields: [{name: 'x\\', type: bool}]",
                        "field 'x\\': line protocol cannot carry this name: it ends in a backslash"),
                Arguments.of("backslash before =", "name: t\nversion: 1\nfields: [{name: 'a\\=b', type: bool}]",
                        "field 'a\\=b': line protocol cannot carry this name: an odd number of backslashes before '='"));
    }

    @org.junit.jupiter.api.Test
    void validateChecksEverySchemaOfTheRevision() {
        java.util.List<String> problems = new dev.nervesys.telecrunch.SchemaConfigCheck().check(java.util.Map.of(
                "config/schemas/good.yaml", "name: g\nversion: 1\nfields: [{name: rpm, type: bool}]\n",
                "config/schemas/bad.yaml", "name: b\nversion: 1\nfields: [{name: time, type: bool}]\n",
                "config/other.yaml", "not: a schema\n"));
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("config/schemas/bad.yaml: field 'time': the name is reserved");
        // and it is one of the checks validate and the reload run
        assertThat(java.util.ServiceLoader.load(dev.nervesys.spi.ConfigCheck.class).stream().map(p -> p.type().getSimpleName()))
                .contains("SchemaConfigCheck");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSchemas")
    void rejectsInvalidSchemasNamingFieldAndReason(String label, String yaml, String message) {
        assertThatThrownBy(() -> SchemaLoader.parse(yaml.replace("\\n", "\n")))
                .as(label).isInstanceOf(SchemaException.class).hasMessageContaining(message);
    }
}
