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
        PipelineResult r = kind.pipeline(graft, train, Path.of(args[5])).run();
        System.out.println("trained " + kind.name() + " on " + r.model().manifest().trainedWithEngine() + ": "
                + r.history().epochs());
        r.model().save(modelDir);
        Models.predict(graft, modelDir, kind.read(graft, test)).write(report);
    }
}
