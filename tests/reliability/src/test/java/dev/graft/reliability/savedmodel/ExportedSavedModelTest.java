package dev.graft.reliability.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported SavedModel reopens and runs bit-identically to the compiled model (a regression test:
 * exports once wrote an empty {@code variables/} folder), and passes the default op screen.
 */
class ExportedSavedModelTest {
    @TempDir
    Path dir;

    @Test
    void exportedSavedModelRunsWithTheTrainedWeights() {
        Engine engine = SmallNet.engine();
        Map<String, HostTensor> batch = SmallNet.batch(4, 9);
        try (CompiledModel m = SmallNet.trainable(engine, 8, 1)) {
            m.trainStep(batch);
            HostTensor want = m.predict(Map.of("x", batch.get("x")), "probs");
            engine.exportSavedModel(m, List.of("probs"), dir.resolve("export"));
            try (SavedModel sm = engine.openSavedModel(dir.resolve("export"), "serve", SavedModelOptions.trustedModel())) {
                HostTensor got = sm.run("serving_default", Map.of("x", batch.get("x")), List.of("probs")).get("probs");
                assertThat(got.bitEquals(want)).isTrue();
            }
        }
    }
}
