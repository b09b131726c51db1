package dev.graft.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link GraftSpark#predict} runs: a model saved by {@code graft fit} (or {@code TrainedModel.save})
 * over one input column.
 *
 * @param model             the model directory, readable on every executor (a shared file system), or the
 *                          name of a directory shipped with {@link GraftSpark#shipModel}
 * @param inputColumn       string column (text, or an image path) or binary column (image bytes)
 * @param keyColumn         the column that names a row in error reports (null: partition and position)
 * @param predictionColumn  the label column appended (string: the label; labels at or above 0.5 joined by
 *                          {@code |} for multi-label; values joined by {@code |} for regression)
 * @param probabilityColumn the {@code map<string,double>} column appended: label to probability (or target to value)
 * @param engine            engine id, or null for Graft's usual choice
 * @param batchSize         rows per model call within a partition
 * @param badRows           what a bad row does
 */
public record PredictJob(String model, String inputColumn, String keyColumn, String predictionColumn,
        String probabilityColumn, String engine, int batchSize, BadRows badRows) implements Serializable {
    public PredictJob {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(inputColumn, "inputColumn");
        Objects.requireNonNull(predictionColumn, "predictionColumn");
        Objects.requireNonNull(probabilityColumn, "probabilityColumn");
        Objects.requireNonNull(badRows, "badRows");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
    }

    /** Model {@code model} over {@code inputColumn}: columns {@code prediction} and {@code probability}, batch 32. */
    public static PredictJob of(String model, String inputColumn) {
        return new PredictJob(model, inputColumn, null, "prediction", "probability", null, 32, BadRows.REPORT);
    }

    public PredictJob withKeyColumn(String k) {
        return new PredictJob(model, inputColumn, k, predictionColumn, probabilityColumn, engine, batchSize, badRows);
    }

    public PredictJob withEngine(String e) {
        return new PredictJob(model, inputColumn, keyColumn, predictionColumn, probabilityColumn, e, batchSize, badRows);
    }

    public PredictJob withBatchSize(int b) {
        return new PredictJob(model, inputColumn, keyColumn, predictionColumn, probabilityColumn, engine, b, badRows);
    }

    public PredictJob withBadRows(BadRows b) {
        return new PredictJob(model, inputColumn, keyColumn, predictionColumn, probabilityColumn, engine, batchSize, b);
    }

    public String modelKey() {
        return "predict|" + model + "|" + engine + "|" + batchSize;
    }
}
