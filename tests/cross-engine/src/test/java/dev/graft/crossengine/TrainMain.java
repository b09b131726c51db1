package dev.graft.crossengine;

import dev.graft.core.Graft;
import dev.graft.core.pipeline.PipelineResult;
import java.nio.file.Path;

/**
 * Child JVM: trains a model kind on whatever engine the JVM was started with, saves it with
 * {@code TrainedModel.save}, reloads it with {@code graft.predictor(dir, null)} on the same engine and
 * reports its predictions on the test set.
 *
 * <p>Arguments: {@code vision|text trainData testData modelDir report.json cacheDir}.
 */
public final class TrainMain {
    private TrainMain() {
    }

    public static void main(String[] args) throws Exception {
        Models.Kind kind = Models.Kind.of(args[0]);
        Path train = Path.of(args[1]);
        Path test = Path.of(args[2]);
        Path modelDir = Path.of(args[3]);
        Path report = Path.of(args[4]);
        Graft graft = Graft.create();
        boolean adapted = kind.strategy().equals("lora");
        var testExamples = kind.read(graft, test);
        var pipeline = kind.pipeline(graft, train, Path.of(args[5]));
        if (adapted) {
            pipeline.validation(testExamples);
        }
        PipelineResult r = pipeline.run();
        System.out.println("trained " + kind.name() + " on " + r.model().manifest().trainedWithEngine() + ": "
                + r.history().epochs());
        r.model().save(modelDir);
        RunReport served = Models.predict(graft, modelDir, testExamples);
        if (adapted) {
            // the adapters were merged into the saved kernels: the saved model's loss on the test set must equal
            // the loss the adapted (unmerged) network reached on the same examples at the end of training
            double loss = 0;
            java.util.List<String> labels = TrainedLabels.of(modelDir);
            for (RunReport.Row row : served.rows()) {
                int label = labels.indexOf(row.expected());
                loss -= Math.log(Math.max(row.probabilities()[label], 1e-12));
            }
            loss /= served.rows().size();
            System.out.printf("adapted loss %.6f, merged loss %.6f%n", r.validation().loss(), loss);
            if (Math.abs(loss - r.validation().loss()) > 1e-4 * Math.max(1, loss)) {
                System.err.println("merged model's loss " + loss + " differs from the adapted model's " + r.validation().loss());
                System.exit(3);
            }
        }
        served.write(report);
    }
}
