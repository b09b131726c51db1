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
    /** The string column {@link #features} adds: the backbone that produced the row's vector (name, options, preprocessing). */
    public static final String BACKBONE_COLUMN = "graft_backbone";
    /**
     * The string column {@link #features} adds: the producing backbone's key (a digest of its name, weights,
     * preprocessing, network up to the pooled features, and seed), which fit checks against its own backbone.
     */
    public static final String BACKBONE_KEY_COLUMN = "graft_backbone_key";

    private GraftSpark() {
    }

    /**
     * {@code data} with {@code job.outputColumn()} ({@code array<float>}), {@link #BACKBONE_COLUMN},
     * {@link #BACKBONE_KEY_COLUMN} and {@link #ERROR_COLUMN} appended. Written as Parquet with a label column,
     * the result is a Graft dataset: {@code graft fit -s feature-extraction} trains a head on the vectors without
     * running the backbone (see the {@code graft-features} dataset format).
     */
    public static Dataset<Row> features(Dataset<Row> data, FeatureJob job) {
        StructType in = data.schema();
        check(in, job.inputColumn(), job.keyColumn(), List.of(job.outputColumn(), BACKBONE_COLUMN, BACKBONE_KEY_COLUMN, ERROR_COLUMN));
        StructType out = in.add(job.outputColumn(), DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(BACKBONE_COLUMN, DataTypes.StringType, true)
                .add(BACKBONE_KEY_COLUMN, DataTypes.StringType, true)
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
