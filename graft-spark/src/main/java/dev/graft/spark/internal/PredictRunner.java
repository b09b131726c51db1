package dev.graft.spark.internal;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.spark.PredictJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.types.StructType;

/** Appends a saved model's label and probabilities. */
public final class PredictRunner extends PartitionRunner {
    private static final long serialVersionUID = 1L;
    private final PredictJob job;
    private final String key;
    private transient Predictor predictor;

    public PredictRunner(StructType schema, PredictJob job, String key) {
        super(schema, job.inputColumn(), job.keyColumn(), job.batchSize(), job.badRows());
        this.job = job;
        this.key = key;
    }

    /** Loads a job's model in this JVM (once). */
    public static Predictor predictor(PredictJob job, String key) {
        return ExecutorModels.get(key, g -> {
            Path dir = modelDir(job.model());
            try {
                return Predictor.open(TrainedModel.load(dir), g.engines().get(job.engine()), g.backbones());
            } catch (IOException e) {
                throw new UncheckedIOException("model " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    /** The model directory as given, or else the directory of that name shipped with the job (SparkFiles). */
    static Path modelDir(String model) {
        Path p = Path.of(model);
        if (Files.isDirectory(p)) {
            return p;
        }
        Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
        if (Files.isDirectory(shipped)) {
            return shipped;
        }
        throw new IllegalArgumentException("model directory " + model + " is neither on this machine nor shipped with the job "
                + "(looked in " + shipped + "); use a path every executor can read or GraftSpark.shipModel");
    }

    @Override
    void open() {
        predictor = predictor(job, key);
    }

    @Override
    boolean readsText() {
        return predictor.model().preprocessing().kind().equals("text");
    }

    @Override
    List<Object[]> apply(List<Example> batch) {
        List<Prediction> p = predictor.predict(batch);
        List<Object[]> out = new ArrayList<>(p.size());
        for (Prediction x : p) {
            out.add(new Object[] {x.label(), scala.jdk.javaapi.CollectionConverters.asScala(x.scores())});
        }
        return out;
    }

    @Override
    int columns() {
        return 2;
    }
}
