package dev.graft.spark.internal;

import dev.graft.core.spi.Example;
import dev.graft.spark.BadRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Runs a loaded model over one partition, a batch of rows at a time, streaming (a partition is never
 * held whole). Each output row is the input row plus the model's columns plus the error column. A batch
 * that fails is retried row by row, so one bad row costs its batch a slower pass, and only that row
 * is reported.
 */
abstract class PartitionRunner implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(PartitionRunner.class.getName());
    private final StructType schema;
    private final String inputColumn;
    private final String keyColumn;
    private final int batchSize;
    private final BadRows badRows;

    PartitionRunner(StructType schema, String inputColumn, String keyColumn, int batchSize, BadRows badRows) {
        this.schema = schema;
        this.inputColumn = inputColumn;
        this.keyColumn = keyColumn;
        this.batchSize = batchSize;
        this.badRows = badRows;
    }

    /** Loads (or finds, in this JVM) the model. */
    abstract void open();

    /** Whether the model reads text (else images). */
    abstract boolean readsText();

    /** The model's columns for each example, in order; may throw for the whole batch. */
    abstract List<Object[]> apply(List<Example> batch);

    /** How many columns {@link #apply} gives per row. */
    abstract int columns();

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        open();
        Inputs inputs = new Inputs(schema, inputColumn, keyColumn, readsText());
        TaskContext tc = TaskContext.get();
        int partition = tc == null ? 0 : tc.partitionId();
        Path scratch = Files.createTempDirectory("graft-spark-");
        if (tc != null) {
            tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> deleteQuietly(scratch));
        }
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;
            private long position;

            @Override
            public boolean hasNext() {
                if (next < ready.size()) {
                    return true;
                }
                ready.clear();
                next = 0;
                if (!rows.hasNext()) {
                    deleteQuietly(scratch);
                    return false;
                }
                List<Row> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && rows.hasNext()) {
                    batch.add(rows.next());
                }
                ready.addAll(process(batch, inputs, partition, position, scratch));
                position += batch.size();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.get(next++);
            }
        };
    }

    private List<Row> process(List<Row> batch, Inputs inputs, int partition, long position, Path scratch) {
        Object[][] results = new Object[batch.size()][];
        String[] errors = new String[batch.size()];
        String[] keys = new String[batch.size()];
        List<Example> good = new ArrayList<>();
        List<Integer> goodAt = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            keys[i] = inputs.key(batch.get(i), partition, position + i);
            try {
                good.add(inputs.example(batch.get(i), keys[i], scratch));
                goodAt.add(i);
            } catch (Inputs.BadInput e) {
                errors[i] = e.getMessage();
            }
        }
        if (!good.isEmpty()) {
            try {
                List<Object[]> out = apply(good);
                for (int j = 0; j < out.size(); j++) {
                    results[goodAt.get(j)] = out.get(j);
                }
            } catch (RuntimeException batchFailed) {
                LOG.warning(() -> "partition " + partition + ": a batch of " + good.size() + " rows failed (" + message(batchFailed)
                        + "); running its rows one by one to find the bad ones");
                for (int j = 0; j < good.size(); j++) {
                    try {
                        results[goodAt.get(j)] = apply(List.of(good.get(j))).get(0);
                    } catch (RuntimeException e) {
                        errors[goodAt.get(j)] = message(e);
                    }
                }
            }
        }
        for (Example e : good) {
            if (e.input() instanceof Path p && p.startsWith(scratch)) {
                p.toFile().delete();
            }
        }
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (errors[i] != null && badRows == BadRows.FAIL) {
                throw new BadRowException("row " + keys[i] + " (column '" + inputColumn + "'): " + errors[i]);
            }
            Row r = batch.get(i);
            Object[] v = new Object[r.length() + columns() + 1];
            for (int c = 0; c < r.length(); c++) {
                v[c] = r.get(c);
            }
            if (results[i] != null) {
                System.arraycopy(results[i], 0, v, r.length(), columns());
            }
            v[v.length - 1] = errors[i] == null ? null : "row " + keys[i] + ": " + errors[i];
            out.add(RowFactory.create(v));
        }
        return out;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // already gone
        }
    }
}
