package dev.graft.reliability.savedmodel;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Exports a small trained network as a SavedModel, opens it again and compares outputs. Usage: {@code ExportRoundTrip <dir>} */
public final class ExportRoundTrip {
    private ExportRoundTrip() {
    }

    public static void main(String[] args) throws Exception {
        Engine engine = SmallNet.engine();
        Map<String, HostTensor> batch = SmallNet.batch(4, 9);
        try (CompiledModel m = SmallNet.trainable(engine, 8, 1)) {
            m.trainStep(batch);
            HostTensor want = m.predict(Map.of("x", batch.get("x")), "probs");
            engine.exportSavedModel(m, List.of("probs"), Path.of(args[0]));
            try (SavedModel sm = engine.openSavedModel(Path.of(args[0]), "serve")) {
                System.out.println("signatures " + sm.signatures().keySet() + " variables " + sm.variables().keySet());
                HostTensor got = sm.run("serving_default", Map.of("x", batch.get("x")), List.of("probs")).get("probs");
                System.out.println("want " + java.util.Arrays.toString(want.floats()));
                System.out.println("got  " + java.util.Arrays.toString(got.floats()));
            }
        }
    }
}
