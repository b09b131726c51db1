package dev.graft.core.data;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.RunContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Labelled examples read from a file or folder by a {@link DatasetFormat}, with the bad rows met.
 * Get one from {@code graft.read(path)} (bad rows fail the read) or
 * {@code graft.read(path, format, options, BadRowPolicy.COLLECT)}:
 *
 * <pre>{@code
 * Dataset train = graft.read(Path.of("train.csv"), null, Map.of(), BadRowPolicy.COLLECT);
 * train.badRows().forEach(p -> log.warning("skipping " + p));   // "train.csv:17: expected 2 fields, found 3"
 * pipeline.data(train.withoutBadRows());                         // an explicit decision to train on the rest
 * }</pre>
 *
 * A dataset whose bad rows were collected but not yet dealt with keeps its examples back:
 * {@link #examples()} throws and {@code Pipeline.data(Dataset)} refuses it, naming every bad row, so
 * no program trains on what is left of a file without saying so.
 */
public final class Dataset {
    private final Path path;
    private final String format;
    private final List<Example> examples;
    private final List<DatasetFormat.Problem> badRows;
    private final boolean badRowsSkipped;

    private Dataset(Path path, String format, List<Example> examples, List<DatasetFormat.Problem> badRows,
            boolean badRowsSkipped) {
        this.path = Objects.requireNonNull(path, "path");
        this.format = Objects.requireNonNull(format, "format");
        this.examples = List.copyOf(examples);
        this.badRows = List.copyOf(badRows);
        this.badRowsSkipped = badRowsSkipped;
    }

    /**
     * Reads {@code path} with {@code format}.
     *
     * @throws BadRowsException with {@link BadRowPolicy#FAIL} when any row or file is bad
     * @throws IOException      when the data cannot be read at all (no such file, a column the file does not have)
     */
    public static Dataset read(DatasetFormat format, Path path, Map<String, String> options, RunContext context,
            BadRowPolicy policy) throws IOException {
        Objects.requireNonNull(policy, "policy");
        DatasetFormat.Result r = context == null ? format.read(path, options) : format.read(path, options, context);
        if (policy == BadRowPolicy.FAIL && !r.problems().isEmpty()) {
            throw new BadRowsException(path, format.id(), r.problems());
        }
        return new Dataset(path, format.id(), r.examples(), r.problems(), false);
    }

    /** The file or folder read. */
    public Path path() {
        return path;
    }

    /** The id of the dataset format that read it ({@code csv}, {@code jsonl}, {@code image-folder}...). */
    public String format() {
        return format;
    }

    /**
     * Every bad row met, by file and line ({@code train.csv:17: expected 2 fields, found 3}); after
     * {@link #withoutBadRows()}, the rows that were skipped.
     */
    public List<DatasetFormat.Problem> badRows() {
        return badRows;
    }

    /** Whether bad rows were collected and not yet dealt with (see {@link #withoutBadRows()}). */
    public boolean hasUnhandledBadRows() {
        return !badRows.isEmpty() && !badRowsSkipped;
    }

    /** How many good examples were read. */
    public int size() {
        return examples.size();
    }

    /**
     * The examples read.
     *
     * @throws IllegalStateException when bad rows were collected and not dealt with, listing them
     */
    public List<Example> examples() {
        if (hasUnhandledBadRows()) {
            throw new IllegalStateException(unhandled());
        }
        return examples;
    }

    /**
     * This dataset with its bad rows knowingly left out: its good examples become usable, and
     * {@link #badRows()} still names the rows skipped (for a log or a report).
     */
    public Dataset withoutBadRows() {
        return badRowsSkipped || badRows.isEmpty() ? this : new Dataset(path, format, examples, badRows, true);
    }

    private String unhandled() {
        return BadRowsException.describe(path, format, badRows) + "\nthey were collected but not dealt with: fix the file, "
                + "or call withoutBadRows() to use the " + examples.size() + " good row(s) alone";
    }

    @Override
    public String toString() {
        return path + " (" + format + "): " + examples.size() + " example(s), " + badRows.size() + " bad row(s)"
                + (badRowsSkipped ? " skipped" : "");
    }
}
