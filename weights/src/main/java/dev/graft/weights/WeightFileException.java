package dev.graft.weights;

import java.io.IOException;
import java.nio.file.Path;

/** A weight file that cannot be read: names the file and, where known, the entry at fault. */
public final class WeightFileException extends IOException {
    private final Path file;
    private final String entry;

    public WeightFileException(Path file, String entry, String message) {
        this(file, entry, message, null);
    }

    public WeightFileException(Path file, String entry, String message, Throwable cause) {
        super(file + (entry == null ? "" : " (entry '" + entry + "')") + ": " + message, cause);
        this.file = file;
        this.entry = entry;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The tensor or record at fault, or null when the file as a whole is. */
    public String entry() {
        return entry;
    }
}
