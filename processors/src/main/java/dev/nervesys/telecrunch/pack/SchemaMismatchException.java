package dev.nervesys.telecrunch.pack;

/** A file written with another schema than the one the caller expects (fingerprints differ). */
public class SchemaMismatchException extends RuntimeException {

    public SchemaMismatchException(String message) {
        super(message);
    }
}
