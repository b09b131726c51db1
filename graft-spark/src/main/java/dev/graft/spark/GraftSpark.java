package dev.graft.spark;

import dev.graft.spark.internal.FeaturesRunner;
import dev.graft.spark.internal.PredictRunner;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Graft over Spark {@code Dataset<Row>}s: a frozen backbone's feature vectors, or a saved model's
 * predictions, appended as columns. Each executor JVM loads the backbone or model once and reuses it
 * for every partition and task; rows are run in batches within a partition. The engine is chosen as
 * everywhere in Graft (the job's engine, else {@code -Dgraft.engine} / {@code GRAFT_ENGINE} on the
 * executors, else the default engine: the supported engine of lowest provider rank, TensorFlow). Every output row keeps its input columns and gains
 * {@link #ERROR_COLUMN}: null for a good row, the row's key and what is wrong for a bad one.
 */
public final class GraftSpark {
    /** The string column every output gains: null, or why the row has no result. */
    public static final String ERROR_COLUMN = "graft_error";

    private GraftSpark() {
    }

    /** {@code data} with {@code job.outputColumn()} ({@code array<float>}) and {@link #ERROR_COLUMN} appended. */
    public static Dataset<Row> features(Dataset<Row> data, FeatureJob job) {
        StructType in = data.schema();
        check(in, job.inputColumn(), job.keyColumn(), List.of(job.outputColumn(), ERROR_COLUMN));
        StructType out = in.add(job.outputColumn(), DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(ERROR_COLUMN, DataTypes.StringType, true);
        return data.mapPartitions(new FeaturesRunner(in, job, job.modelKey()), Encoders.row(out));
    }

    /**
     * {@code data} with the predicted label ({@code job.predictionColumn()}, string), the scores
     * ({@code job.probabilityColumn()}, {@code map<string,double>}, label order) and {@link #ERROR_COLUMN} appended.
     */
    public static Dataset<Row> predict(Dataset<Row> data, PredictJob job) {
        StructType in = data.schema();
        check(in, job.inputColumn(), job.keyColumn(), List.of(job.predictionColumn(), job.probabilityColumn(), ERROR_COLUMN));
        StructType out = in.add(job.predictionColumn(), DataTypes.StringType, true)
                .add(job.probabilityColumn(), DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), true)
                .add(ERROR_COLUMN, DataTypes.StringType, true);
        return data.mapPartitions(new PredictRunner(in, job, job.modelKey()), Encoders.row(out));
    }

    /**
     * Ships a model directory with the job ({@code SparkContext.addFile}, recursive), for clusters without
     * a shared file system; then give {@link PredictJob#model()} the same path or just the directory's
     * name. Every executor downloads it once (the whole directory: the weights file dominates its size).
     */
    public static void shipModel(SparkSession spark, String modelDir) {
        File f = new File(modelDir);
        if (!f.isDirectory()) {
            throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
        }
        spark.sparkContext().addFile(f.getAbsolutePath(), true);
    }

    private static void check(StructType in, String input, String key, List<String> added) {
        List<String> names = List.of(in.fieldNames());
        boolean found = names.contains(input);
        if (!found || (key != null && !names.contains(key))) {
            throw new IllegalArgumentException("no " + (found ? "key column '" + key : "input column '" + input)
                    + "'; the data has columns " + names);
        }
        List<String> clash = new ArrayList<>();
        for (String a : added) {
            if (names.contains(a)) {
                clash.add(a);
            }
        }
        if (!clash.isEmpty()) {
            throw new IllegalArgumentException("the data already has column(s) " + clash + " that the result would add; "
                    + "rename them or choose other output column names");
        }
        for (StructField f : in.fields()) {
            if (f.name().equals(input) && !(f.dataType().equals(DataTypes.StringType) || f.dataType().equals(DataTypes.BinaryType))) {
                throw new IllegalArgumentException("input column '" + input + "' is " + f.dataType().simpleString()
                        + "; Graft reads a string column (text, or an image path) or a binary column (image bytes)");
            }
        }
    }
}
