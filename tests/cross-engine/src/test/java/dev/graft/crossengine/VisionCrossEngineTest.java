package dev.graft.crossengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ResNet-18 (base width 8) fine-tuned on PNG files in a folder per class, trained on one engine,
 * saved with {@code TrainedModel.save} and served by the other: identical top-1 labels, probabilities
 * and logits within 1e-4 on the test set. Every engine runs in a JVM of its own.
 */
class VisionCrossEngineTest {
    @TempDir
    static Path work;
    static Path train;
    static Path test;
    private static final Map<String, CrossEngine.Trained> TRAINED = new HashMap<>();

    @BeforeAll
    static void images() throws Exception {
        train = ShapeImages.write(work.resolve("images-train"), 12, 1);
        test = ShapeImages.write(work.resolve("images-test"), 8, 2);
    }

    /** Trained once per engine (TensorFlow chosen by the system property, PyTorch by the environment). */
    static synchronized CrossEngine.Trained trainedOn(String engine) throws Exception {
        CrossEngine.Trained t = TRAINED.get(engine);
        if (t == null) {
            ChildJvm jvm = engine.equals("tensorflow") ? new ChildJvm().property("graft.engine", engine)
                    : new ChildJvm().env("GRAFT_ENGINE", engine);
            t = CrossEngine.train(Models.VISION, engine, jvm, work, train, test);
            System.out.printf("resnet18 trained on %s: test accuracy %.2f%n", engine, CrossEngine.accuracy(t.reference()));
            assertThat(CrossEngine.accuracy(t.reference())).as("test accuracy of the model trained on " + engine)
                    .isGreaterThan(0.5);
            TRAINED.put(engine, t);
        }
        return t;
    }

    @Test
    void resNetTrainedOnTensorFlowPredictsTheSameOnPyTorchChosenBySystemProperty() throws Exception {
        CrossEngine.Trained t = trainedOn("tensorflow");
        RunReport served = CrossEngine.serve(Models.VISION, t, "pytorch", new ChildJvm().property("graft.engine", "pytorch"),
                work, test, "property");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }

    @Test
    void resNetTrainedOnPyTorchPredictsTheSameOnTensorFlowChosenByEnvironment() throws Exception {
        CrossEngine.Trained t = trainedOn("pytorch");
        RunReport served = CrossEngine.serve(Models.VISION, t, "tensorflow", new ChildJvm().env("GRAFT_ENGINE", "tensorflow"),
                work, test, "environment");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }

    @Test
    void guiceBindingServesTheTensorFlowTrainedResNetOnPyTorch() throws Exception {
        CrossEngine.Trained t = trainedOn("tensorflow");
        RunReport served = CrossEngine.serve(Models.VISION, t, "pytorch", new ChildJvm(), work, test, "guice",
                "guice=pytorch");
        assertThat(served.providers()).as("the Guice-bound registry holds the bound engine only").containsExactly("pytorch");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }
}
