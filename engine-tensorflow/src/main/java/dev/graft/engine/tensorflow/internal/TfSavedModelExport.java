package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.graph.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/** Writes a compiled model's inference pass as a SavedModel for TensorFlow Serving. */
final class TfSavedModelExport {
    private TfSavedModelExport() {
    }

    static void export(TfCompiledModel model, List<String> outputs, Path dir) {
        Network net = model.network();
        Signature.Builder sig = Signature.builder().key(Signature.DEFAULT_KEY);
        for (String in : net.inputsFor(outputs)) {
            sig.input(in, model.inputPlaceholder(in));
        }
        for (String o : outputs) {
            sig.output(o, model.inferenceOutput(o));
        }
        try {
            if (Files.exists(dir) && Files.list(dir).findAny().isPresent()) {
                throw new EngineException("export directory " + dir + " is not empty");
            }
            Files.createDirectories(dir);
            model.ensureResourceSaver();
            SavedModelBundle.exporter(dir.toString()).withSession(model.session()).withSignature(sig.build()).export();
        } catch (IOException e) {
            throw new EngineException("could not export SavedModel to " + dir + ": " + e.getMessage(), e);
        }
    }
}
