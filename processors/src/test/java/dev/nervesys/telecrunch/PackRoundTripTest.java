package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.telecrunch.pack.BitWriter;
import dev.nervesys.telecrunch.pack.BlockEncoder;
import dev.nervesys.telecrunch.pack.RecordBlock;
import dev.nervesys.telecrunch.pack.ValueOutOfRangeException;
import dev.nervesys.telecrunch.schema.Schema;
import dev.nervesys.telecrunch.schema.SchemaLoader;
import org.junit.jupiter.api.Test;

class PackRoundTripTest {

    private static final Schema EDGE = SchemaLoader.parse("""
            name: edge
            version: 1
            fields:
              - {name: u8, type: int, bits: 8}
              - {name: s64, type: int, bits: 64, signed: true}
              - {name: neg, type: int, min: -1000, max: -10}
              - {name: flag, type: bool}
              - {name: color, type: enum, values: [red, green, blue]}
              - {name: at, type: time, resolution: us}
              - {name: temp, type: float, min: -273.15, max: 1000, precision: 0.01}
              - {name: text, type: string, maxLength: 12}
              - {name: one, type: enum, values: [only]}
            """);

    private static RecordBlock block(int n) {
        RecordBlock b = new RecordBlock(EDGE, n);
        b.sourceIndex("a");
        b.sourceIndex("b");
        return b;
    }

    private static void set(RecordBlock b, int i, long u8, long s64, long neg, long flag, long color, long at, long temp,
                            String text) {
        long[] v = {u8, s64, neg, flag, color, at, temp};
        for (int f = 0; f < v.length; f++) {
            b.values[f][i] = v[f];
        }
        b.strings[7][i] = text;
        b.values[8][i] = 0;
    }

    @Test
    void edgeValuesOfEveryTypeSurvive() {
        RecordBlock b = block(8);
        set(b, b.append(RecordBlock.UPDATE, 0, 0, 0, Long.MIN_VALUE), 0, Long.MIN_VALUE, -1000, 0, 0, Long.MIN_VALUE, -27315, "");
        set(b, b.append(RecordBlock.EVENT, 1, Long.MAX_VALUE, -5, Long.MAX_VALUE), 255, Long.MAX_VALUE, -10, 1, 2, Long.MAX_VALUE, 100000, "123456789012");
        set(b, b.append(RecordBlock.UPDATE, 0, 1, 1, 0), 128, 0, -500, 1, 1, 0, 0, "名名名名");   // 12 bytes
        set(b, b.append(RecordBlock.UPDATE, 0, 2, 2, -1), 1, -1, -999, 0, 0, -1, -1, "🚀🚀🚀");  // 12 bytes
        set(b, b.append(RecordBlock.UPDATE, 1, 0, 0, 42), 0, 1, -11, 0, 2, 1, 1, "\"\\,= \n");
        RecordBlock out = Blocks.roundTrip(b);
        Blocks.assertSame(b, out);
        assertThat(out.strings[7][2]).isEqualTo("名名名名");
    }

    @Test
    void regularTelemetryCostsFarFewerBitsThanTheFieldWidths() {
        RecordBlock b = block(1000);
        long t = 1_765_368_000_000_000_000L;
        for (int i = 0; i < 1000; i++) {
            int r = b.append(RecordBlock.UPDATE, 0, i, i, t + i * 10_000_000L);
            set(b, r, 7, 123456789, -500, 1, 2, (t + i * 10_000_000L) / 1000, 2000 + (i % 2), "");
        }
        BitWriter w = new BitWriter();
        new BlockEncoder(EDGE).encode(b, w);
        // per record: type 1 bit + temp 1-2 bits + flag 1 + color 2 + text length 4 + the constant columns 0
        assertThat(w.bitLength() / 1000.0).isLessThan(12);
        Blocks.assertSame(b, Blocks.roundTrip(b));
    }

    @Test
    void negativeDeltasClockJumpsAndSeqGapsRoundTrip() {
        RecordBlock b = block(6);
        long[] times = {1_000_000_000L, 1_010_000_000L, 900_000_000L, 5_000_000_000_000L, 5_000_010_000_000L, -3};
        long[] seqs = {10, 11, 11, 15, 14, 100};
        for (int i = 0; i < 6; i++) {
            int r = b.append(RecordBlock.UPDATE, 0, seqs[i], i, times[i]);
            set(b, r, 200 - i * 40, -i * 1_000_000_000_000L, -10 - i * 150, i % 2, i % 3, times[i] / 1000, 100_000 - i * 25_000, "x");
        }
        Blocks.assertSame(b, Blocks.roundTrip(b));
    }

    @Test
    void outOfRangeValueIsRejectedNamingFieldAndValue() {
        RecordBlock b = block(2);
        set(b, b.append(RecordBlock.UPDATE, 1, 7, 0, 0), 0, 0, -10, 0, 0, 0, 100_001, "");
        assertThatThrownBy(() -> new BlockEncoder(EDGE).encode(b, new BitWriter()))
                .isInstanceOf(ValueOutOfRangeException.class)
                .hasMessageContaining("field 'temp'")
                .hasMessageContaining("1000.01")
                .hasMessageContaining("[-273.15, 1000.00]")
                .hasMessageContaining("source b seq 7");
        b.values[6][0] = 0;
        b.values[4][0] = 3;
        assertThatThrownBy(() -> new BlockEncoder(EDGE).encode(b, new BitWriter()))
                .hasMessageContaining("field 'color'").hasMessageContaining("#3");
        b.values[4][0] = 0;
        b.strings[7][0] = "1234567890123";
        assertThatThrownBy(() -> new BlockEncoder(EDGE).encode(b, new BitWriter()))
                .hasMessageContaining("field 'text'").hasMessageContaining("13 UTF-8 bytes").hasMessageContaining("maxLength 12");
    }

    @Test
    void clampingHappensOnlyWhenTheSchemaAsksForIt() {
        Schema s = SchemaLoader.parse("name: c\nversion: 1\nfields:\n  - {name: p, type: int, min: 0, max: 100, clamp: true}\n");
        RecordBlock b = new RecordBlock(s, 2);
        b.sourceIndex("x");
        b.values[0][b.append(RecordBlock.UPDATE, 0, 0, 0, 0)] = 130;
        b.values[0][b.append(RecordBlock.UPDATE, 0, 1, 1, 0)] = -4;
        RecordBlock out = Blocks.roundTrip(b);
        assertThat(out.values[0][0]).isEqualTo(100);
        assertThat(out.values[0][1]).isZero();
    }

    @Test
    void engineRandomBlockRoundTrips() {
        RecordBlock b = Blocks.random(Blocks.engine(), 5000, 7, 99);
        Blocks.assertSame(b, Blocks.roundTrip(b));
    }
}
