package dev.nervesys.ingest;

/** A rejected line of a batch: its 1-based number in the (decompressed) body and why. */
public record LineError(int line, String reason) {
}
