package dev.nervesys.telecrunch.pack;

/** Bytes that are not a valid TeleCrunch file or block (bad magic, checksum, length, or contents). */
public class CorruptDataException extends RuntimeException {

    public CorruptDataException(String message) {
        super(message);
    }
}
