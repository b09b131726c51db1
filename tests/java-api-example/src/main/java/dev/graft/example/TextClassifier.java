package dev.graft.example;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.data.BadRowPolicy;
import dev.graft.core.data.Dataset;
import dev.graft.core.evaluation.ClassScore;
import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Trains a text classifier on a pretrained sentence encoder, scores it on a test set, saves it, loads
 * it back and predicts. Arguments: {@code train.csv test.csv modelDir} (CSV files with columns
 * {@code text,label}).
 */
public final class TextClassifier {
    // DJL probes for CUDA when an engine loads and warns "Failed to detect GPU count" on machines
    // without one. Keep a reference: java.util.logging forgets the level of a logger nobody holds.
    private static final Logger CUDA_PROBE = Logger.getLogger("ai.djl.util.cuda.CudaUtils");

    private TextClassifier() {
    }

    public static void main(String[] args) throws Exception {
        CUDA_PROBE.setLevel(Level.SEVERE);
        Path trainFile = Path.of(args[0]);
        Path testFile = Path.of(args[1]);
        Path modelDir = Path.of(args[2]);
        Graft graft = Graft.create(); // or Guice.createInjector(new GraftModule()).getInstance(Graft.class)

        // 1. Data. By default a bad row fails the read, naming file and line; here we collect them,
        //    say what we skip, and decide explicitly to train on the rest.
        Dataset train = graft.read(trainFile, "csv", Map.of("text", "text", "label", "label"), BadRowPolicy.COLLECT);
        for (DatasetFormat.Problem p : train.badRows()) {
            System.out.println("skipping " + p);
        }
        List<Example> test = graft.read(testFile).examples();

        // 2. Train: frozen all-MiniLM-L6-v2 features and a linear head.
        PipelineResult result = graft.pipeline()
                .data(train.withoutBadRows())
                .backbone("all-minilm-l6-v2", Map.of())
                .strategy("feature-extraction", Map.of())
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withSeed(42))
                .run();
        System.out.printf("trained with %s on %d examples in %.1f s%n", result.engine(), train.size(),
                result.seconds().values().stream().mapToDouble(Double::doubleValue).sum());

        // 3. Save.
        result.model().save(modelDir);

        // 4. Load on the default engine, evaluate on the test set, predict new texts.
        try (Predictor predictor = graft.predictor(modelDir, null)) {
            List<String> labels = predictor.model().labels().labels();
            ClassificationScores s = Evaluation.classification(labels, test, predictor.predict(test));
            System.out.printf("test accuracy %.3f, macro F1 %.3f on %d examples%n", s.accuracy(), s.macroF1(), s.examples());
            for (ClassScore c : s.perClass()) {
                System.out.printf("  %-6s precision %.3f recall %.3f F1 %.3f support %d%n", c.label(), c.precision(),
                        c.recall(), c.f1(), c.support());
            }
            List<Example> texts = List.of(new Example("new-1", "Preheat the oven and grease the baking tin", null),
                    new Example("new-2", "The keeper dived but could not stop the shot", null));
            for (Prediction p : predictor.predict(texts)) {
                System.out.printf("%s -> %s (%.2f)%n", p.source(), p.label(), p.scores().get(p.label()));
            }
        }
    }
}
