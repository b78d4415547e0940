package dev.nervesys.bootstrap.reload;

/** One reason a revision cannot be applied, located as precisely as we can (line 0 = unknown). */
public record Problem(String file, int line, String message) {

    @Override
    public String toString() {
        return (file == null ? "(revision)" : file) + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
