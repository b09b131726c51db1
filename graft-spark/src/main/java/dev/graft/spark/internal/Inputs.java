package dev.graft.spark.internal;

import dev.graft.core.spi.Example;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/** Turns rows into Graft examples: a text, an image path or image bytes, named by the row's key. */
final class Inputs {
    /** A row that cannot become an example. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message, null, false, false);
        }
    }

    private final int input;
    private final int key;
    private final boolean binary;
    private final boolean text;

    Inputs(StructType schema, String inputColumn, String keyColumn, boolean text) {
        this.input = index(schema, inputColumn, "input");
        this.key = keyColumn == null ? -1 : index(schema, keyColumn, "key");
        DataType t = schema.fields()[input].dataType();
        this.binary = t instanceof BinaryType;
        if (!binary && !(t instanceof StringType)) {
            throw new IllegalArgumentException("input column '" + inputColumn + "' is " + t.simpleString()
                    + "; Graft reads a string column (text, or an image path) or a binary column (image bytes)");
        }
        if (binary && text) {
            throw new IllegalArgumentException("input column '" + inputColumn + "' holds bytes but the backbone reads text; "
                    + "give a string column");
        }
        this.text = text;
    }

    /** Checks the columns on the driver, before any task runs. */
    static void check(StructType schema, String inputColumn, String keyColumn) {
        index(schema, inputColumn, "input");
        if (keyColumn != null) {
            index(schema, keyColumn, "key");
        }
    }

    private static int index(StructType schema, String column, String what) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + what + " column '" + column + "'; the data has columns "
                + List.of(schema.fieldNames()));
    }

    /** The row's name in error reports: its key, or its partition and position. */
    String key(Row r, int partition, long position) {
        if (key >= 0) {
            Object k = r.get(key);
            return String.valueOf(k);
        }
        return "partition " + partition + " row " + position;
    }

    /**
     * The row as an example; image bytes are written to a file in {@code scratch} (image decoding and
     * Graft's feature-cache keys read files, so bytes and the same file give the same vector).
     */
    Example example(Row r, String source, Path scratch) throws BadInput {
        if (r.isNullAt(input)) {
            throw new BadInput("null " + (text ? "text" : "image"));
        }
        if (binary) {
            byte[] b = r.getAs(input);
            if (b.length == 0) {
                throw new BadInput("empty image bytes");
            }
            try {
                Path f = Files.createTempFile(scratch, "row", ".img");
                Files.write(f, b);
                return new Example(source, f, null);
            } catch (IOException e) {
                throw new UncheckedIOException("writing image bytes of row " + source + " to " + scratch, e);
            }
        }
        String s = r.getString(input);
        if (text) {
            if (s.isBlank()) {
                throw new BadInput("empty text; there is nothing to encode");
            }
            return new Example(source, s, null);
        }
        Path p = Path.of(s);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new BadInput("image file " + s + " does not exist or cannot be read");
        }
        return new Example(source, p, null);
    }
}
