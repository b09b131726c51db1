package dev.graft.core.data;

import dev.graft.core.spi.DatasetFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A dataset had bad rows and the policy was {@link BadRowPolicy#FAIL}: every bad row, by file and line. */
public final class BadRowsException extends IOException {
    private static final long serialVersionUID = 1L;
    /** Bad rows listed in a message; the rest are counted. */
    static final int LISTED = 20;

    private final transient Path path;
    private final transient List<DatasetFormat.Problem> badRows;

    public BadRowsException(Path path, String format, List<DatasetFormat.Problem> badRows) {
        super(describe(path, format, badRows));
        this.path = path;
        this.badRows = List.copyOf(badRows);
    }

    /** The file or folder read. */
    public Path path() {
        return path;
    }

    /** Every bad row: {@code source} is {@code file:line} (or the file), {@code message} what is wrong. */
    public List<DatasetFormat.Problem> badRows() {
        return badRows;
    }

    /** {@code N bad record(s) in PATH (format F):} and one line per bad row, the first {@value #LISTED} of them. */
    static String describe(Path path, String format, List<DatasetFormat.Problem> badRows) {
        StringBuilder sb = new StringBuilder(badRows.size() + " bad record(s) in " + path + " (format " + format + "):");
        badRows.stream().limit(LISTED).forEach(p -> sb.append("\n  ").append(p));
        if (badRows.size() > LISTED) {
            sb.append("\n  ... and ").append(badRows.size() - LISTED).append(" more");
        }
        return sb.toString();
    }
}
