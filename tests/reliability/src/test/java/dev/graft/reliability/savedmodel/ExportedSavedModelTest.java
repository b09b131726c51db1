package dev.graft.reliability.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fails today: {@code Engine.exportSavedModel} writes an empty {@code variables/} folder (TensorFlow
 * Java's exporter saves no resource variables), so the exported model cannot run:
 * "Could not find variable param/... uninitialized".
 */
class ExportedSavedModelTest {
    @TempDir
    Path dir;

    @Test
    @Tag("known-bug")
    void exportedSavedModelRunsWithTheTrainedWeights() {
        Engine engine = SmallNet.engine();
        Map<String, HostTensor> batch = SmallNet.batch(4, 9);
        try (CompiledModel m = SmallNet.trainable(engine, 8, 1)) {
            m.trainStep(batch);
            HostTensor want = m.predict(Map.of("x", batch.get("x")), "probs");
            engine.exportSavedModel(m, List.of("probs"), dir.resolve("export"));
            try (SavedModel sm = engine.openSavedModel(dir.resolve("export"), "serve")) {
                HostTensor got = sm.run("serving_default", Map.of("x", batch.get("x")), List.of("probs")).get("probs");
                assertThat(got.bitEquals(want)).isTrue();
            }
        }
    }
}
