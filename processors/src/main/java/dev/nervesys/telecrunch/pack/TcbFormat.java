package dev.nervesys.telecrunch.pack;

/** Constants of the TeleCrunch binary file (.tcb); docs/formats.md is the specification. */
public final class TcbFormat {

    /** "TCRB": file header. */
    public static final int FILE_MAGIC = 0x54435242;
    /** "TCBK": start of a block; also what the reader scans for to resynchronise after damage. */
    public static final int BLOCK_MAGIC = 0x5443424B;
    /** "TCEN": footer, written only by a clean close. */
    public static final int FOOTER_MAGIC = 0x5443454E;
    public static final int VERSION = 1;
    public static final int BLOCK_HEADER_BYTES = 16;
    public static final int FOOTER_BYTES = 20;
    /** Upper bound a reader accepts for one payload, so a corrupt length cannot exhaust memory. */
    public static final int MAX_PAYLOAD = 256 << 20;
    public static final String EXTENSION = ".tcb";
    public static final String PART_SUFFIX = ".part";

    private TcbFormat() {
    }
}
