package dev.nervesys.telecrunch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nervesys.telecrunch.pack.BitReader;
import dev.nervesys.telecrunch.pack.BitWriter;
import dev.nervesys.telecrunch.pack.CorruptDataException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BitStreamTest {

    @Test
    void roundTripsEveryWidthIncludingZeroAnd64() {
        Random rnd = new Random(7);
        int n = 20_000;
        int[] widths = new int[n];
        long[] values = new long[n];
        BitWriter w = new BitWriter(16);
        for (int i = 0; i < n; i++) {
            widths[i] = i < 65 ? i : rnd.nextInt(65);
            long v = rnd.nextLong();
            values[i] = widths[i] == 64 ? v : widths[i] == 0 ? 0 : v & ((1L << widths[i]) - 1);
            w.write(v, widths[i]); // high bits beyond the width must be ignored
        }
        long bits = w.bitLength();
        int len = w.finish();
        assertThat(len).isEqualTo((int) ((bits + 7) / 8));
        BitReader r = new BitReader(w.buffer(), 0, len);
        for (int i = 0; i < n; i++) {
            assertThat(r.read(widths[i])).as("value %d width %d", i, widths[i]).isEqualTo(values[i]);
        }
        assertThat(r.remaining()).isLessThan(8);
    }

    @Test
    void knownBitLayoutIsMsbFirst() {
        BitWriter w = new BitWriter();
        w.write(1, 1);
        w.write(0, 2);
        w.write(0b11111, 5);
        w.write(0xABC, 12);
        int len = w.finish();
        assertThat(len).isEqualTo(3);
        assertThat(w.buffer()[0] & 0xFF).isEqualTo(0b1001_1111);
        assertThat(w.buffer()[1] & 0xFF).isEqualTo(0xAB);
        assertThat(w.buffer()[2] & 0xFF).isEqualTo(0xC0);
    }

    @Test
    void readerWorksAtAnOffsetAndRefusesToReadPastTheEnd() {
        byte[] data = {(byte) 0xFF, (byte) 0x80, 0x01};
        BitReader r = new BitReader(data, 1, 2);
        assertThat(r.read(1)).isEqualTo(1);
        assertThat(r.read(15)).isEqualTo(1);
        assertThatThrownBy(() -> r.read(1)).isInstanceOf(CorruptDataException.class).hasMessageContaining("past the end");
    }
}
