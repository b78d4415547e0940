package dev.nervesys.telecrunch.pack;

import dev.nervesys.telecrunch.schema.FieldType;
import dev.nervesys.telecrunch.schema.Schema;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A batch of records held column by column in primitive arrays, so that the generator, the packer
 * and the text writers move values without boxing. Field values are units as described in
 * {@link dev.nervesys.telecrunch.schema.FieldSpec}; string fields use {@link #strings}.
 * Sources are named in a block-local table and records refer to them by index.
 */
public final class RecordBlock {

    public static final byte UPDATE = 0;
    public static final byte EVENT = 1;

    private final Schema schema;
    private final int capacity;
    private int size;
    private String runId = "";

    public final byte[] type;
    public final int[] source;
    public final long[] seq;
    public final long[] frame;
    /** Record time in nanoseconds since the epoch. */
    public final long[] time;
    /** values[field][record]; unused (empty) for string fields. */
    public final long[][] values;
    /** strings[field][record]; null for non-string fields. */
    public final String[][] strings;

    private String[] sourceNames = new String[8];
    private int sourceCount;
    private final Map<String, Integer> sourceIndex = new HashMap<>();

    public RecordBlock(Schema schema, int capacity) {
        this.schema = schema;
        this.capacity = capacity;
        type = new byte[capacity];
        source = new int[capacity];
        seq = new long[capacity];
        frame = new long[capacity];
        time = new long[capacity];
        int nf = schema.fieldCount();
        values = new long[nf][];
        strings = new String[nf][];
        for (int f = 0; f < nf; f++) {
            boolean str = schema.field(f).type() == FieldType.STRING;
            values[f] = str ? new long[0] : new long[capacity];
            strings[f] = str ? new String[capacity] : null;
        }
    }

    public Schema schema() {
        return schema;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public boolean isFull() {
        return size == capacity;
    }

    /** Forgets the records and the source table; keeps the arrays. */
    public void clear() {
        size = 0;
        Arrays.fill(sourceNames, 0, sourceCount, null);
        sourceCount = 0;
        sourceIndex.clear();
    }

    public String runId() {
        return runId;
    }

    public void runId(String runId) {
        this.runId = runId == null ? "" : runId;
    }

    /** Index of this source in the block's table, adding it when new. */
    public int sourceIndex(String name) {
        Integer i = sourceIndex.get(name);
        if (i != null) {
            return i;
        }
        if (sourceCount == 65535) {
            throw new IllegalStateException("a block holds at most 65535 distinct sources");
        }
        if (sourceCount == sourceNames.length) {
            sourceNames = Arrays.copyOf(sourceNames, sourceCount * 2);
        }
        sourceNames[sourceCount] = name;
        sourceIndex.put(name, sourceCount);
        return sourceCount++;
    }

    public int sourceCount() {
        return sourceCount;
    }

    public String sourceName(int index) {
        return sourceNames[index];
    }

    /** Starts a record and returns its index; the caller then fills values[f][index]. */
    public int append(byte recordType, int sourceIdx, long seqNo, long frameNo, long timeNanos) {
        if (size == capacity) {
            throw new IllegalStateException("block is full (" + capacity + " records)");
        }
        if (sourceIdx < 0 || sourceIdx >= sourceCount) {
            throw new IllegalArgumentException("source index " + sourceIdx + " not in the block's table");
        }
        int i = size++;
        type[i] = recordType;
        source[i] = sourceIdx;
        seq[i] = seqNo;
        frame[i] = frameNo;
        time[i] = timeNanos;
        return i;
    }

    /** Drops the last record (used when a record turns out invalid while being filled). */
    public void dropLast() {
        if (size > 0) {
            size--;
        }
    }
}
