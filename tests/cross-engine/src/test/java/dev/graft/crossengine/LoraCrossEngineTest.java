package dev.graft.crossengine;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA trains on either engine, the adapters are merged into the kernels when the model is saved,
 * the saved model predicts exactly what the adapted network did (checked in the training child: test
 * loss within 1e-4), and it serves unchanged on the other engine. (The two-layer BERT is randomly
 * initialised, so with its backbone frozen the accuracy says little; the agreement is the point.)
 */
class LoraCrossEngineTest {
    @TempDir
    static Path work;

    @Test
    void loraTrainedOnPyTorchMergesAndServesTheSameOnTensorFlow() throws Exception {
        CrossEngine.Trained t = CrossEngine.train(Models.TEXT_LORA, "pytorch", new ChildJvm().property("graft.engine", "pytorch"),
                work, TextCrossEngineTest.TRAIN, TextCrossEngineTest.TEST);
        RunReport served = CrossEngine.serve(Models.TEXT_LORA, t, "tensorflow",
                new ChildJvm().property("graft.engine", "tensorflow"), work, TextCrossEngineTest.TEST, "property");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }

    @Test
    void loraTrainedOnTensorFlowMergesAndServesTheSameOnPyTorch() throws Exception {
        CrossEngine.Trained t = CrossEngine.train(Models.TEXT_LORA, "tensorflow", new ChildJvm().env("GRAFT_ENGINE", "tensorflow"),
                work, TextCrossEngineTest.TRAIN, TextCrossEngineTest.TEST);
        RunReport served = CrossEngine.serve(Models.TEXT_LORA, t, "pytorch", new ChildJvm().env("GRAFT_ENGINE", "pytorch"),
                work, TextCrossEngineTest.TEST, "environment");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }
}
