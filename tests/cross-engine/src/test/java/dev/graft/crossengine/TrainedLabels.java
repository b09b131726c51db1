package dev.graft.crossengine;

import dev.graft.core.model.TrainedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The labels of a saved model, read without an engine. */
final class TrainedLabels {
    private TrainedLabels() {
    }

    static List<String> of(Path modelDir) throws IOException {
        return TrainedModel.load(modelDir).labels().labels();
    }
}
