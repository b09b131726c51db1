package dev.graft.crossengine;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two models the cross-engine tests move between engines, configured through core's public API
 * only: no line here names an engine, so which one runs is decided by how the JVM is started.
 */
final class Models {
    /** A ResNet-18 at base width 8 on 32x32 images, every block fine-tuned. */
    static final Kind VISION = new Kind("vision", "image-folder", Map.of(), "resnet18", Map.of("size", "32", "width", "8"),
            "fine-tuning", Map.of("backboneLr", "3e-3"), TrainerConfig.defaults().withEpochs(6).withBatchSize(12)
                    .withLearningRate(3e-3).withSeed(7));
    /** A two-layer BERT (hidden 32) with Google's uncased WordPiece vocabulary, every block fine-tuned. */
    static final Kind TEXT = new Kind("text", "csv", Map.of(), "bert-tiny",
            Map.of("layers", "2", "hidden", "32", "heads", "2", "maxLength", "48"),
            "fine-tuning", Map.of("backboneLr", "3e-3"), TrainerConfig.defaults().withEpochs(8).withBatchSize(8)
                    .withLearningRate(3e-3).withSeed(11));

    /** The same BERT with LoRA (rank 4) on the attention query and value kernels, merged when saved. */
    static final Kind TEXT_LORA = new Kind("text-lora", "csv", Map.of(), "bert-tiny",
            Map.of("layers", "2", "hidden", "32", "heads", "2", "maxLength", "48"),
            "lora", Map.of("rank", "4", "targets", "backbone.**.query.kernel,backbone.**.value.kernel"), TrainerConfig.defaults().withEpochs(8).withBatchSize(8)
                    .withLearningRate(1e-2).withSeed(11));

    record Kind(String name, String format, Map<String, String> formatOptions, String backbone,
            Map<String, String> backboneOptions, String strategy, Map<String, String> strategyOptions, TrainerConfig trainer) {
        static Kind of(String name) {
            return switch (name) {
                case "vision" -> VISION;
                case "text" -> TEXT;
                case "text-lora" -> TEXT_LORA;
                default -> throw new IllegalArgumentException("unknown model kind '" + name + "'; use vision or text");
            };
        }

        Pipeline pipeline(Graft graft, Path trainData, Path cacheDir) throws IOException {
            return graft.pipeline().data(trainData, format, formatOptions).backbone(backbone, backboneOptions)
                    .strategy(strategy, strategyOptions).head(HeadConfig.linear(Task.CLASSIFICATION)).trainer(trainer)
                    .cacheDir(cacheDir);
        }

        List<Example> read(Graft graft, Path data) throws IOException {
            DatasetFormat.Result r = graft.formats().get(format).read(data, formatOptions);
            if (!r.problems().isEmpty()) {
                throw new IOException("bad test data " + data + ": " + r.problems());
            }
            return r.examples();
        }
    }

    private Models() {
    }

    /**
     * Predicts {@code examples} with the saved model in {@code modelDir} on the engine the registry
     * resolves (no id given: property, environment, Guice-bound registry or default), and describes
     * the process.
     */
    static RunReport predict(Graft graft, Path modelDir, List<Example> examples) throws IOException {
        TrainedModel model = TrainedModel.load(modelDir);
        List<RunReport.Row> rows = new ArrayList<>();
        try (Predictor p = graft.predictor(modelDir, null)) {
            var preds = p.predict(examples);
            float[][] probs = p.scores(examples);
            float[][] logits = logits(graft.engines().get(null), graft, model, examples);
            for (int i = 0; i < examples.size(); i++) {
                rows.add(new RunReport.Row(preds.get(i).source(), examples.get(i).label(), preds.get(i).label(), probs[i], logits[i]));
            }
        }
        Engine engine = graft.engines().get(null);
        return new RunReport(engine.id(), engine.version(), List.copyOf(graft.engines().providers().keySet()),
                ProcessFacts.enginesCreated(), ProcessFacts.engineLibraries(), model.manifest().trainedWithEngine(), rows);
    }

    /** The network's {@code logits} output, computed through the engine SPI with the saved weights. */
    static float[][] logits(Engine engine, Graft graft, TrainedModel model, List<Example> examples) {
        Backbone b = graft.backbones().create(model.manifest().backbone().name(), model.manifest().backbone().options());
        float[][] out = new float[examples.size()][];
        try (CompiledModel c = engine.compile(model.network(), 0)) {
            c.setParameters(model.weights());
            for (int from = 0; from < examples.size(); from += 32) {
                List<Example> batch = examples.subList(from, Math.min(examples.size(), from + 32));
                HostTensor y = c.predict(b.encode(batch, false, 0), "logits");
                int k = (int) y.shape().dim(1);
                float[] v = y.floats();
                for (int i = 0; i < batch.size(); i++) {
                    out[from + i] = java.util.Arrays.copyOfRange(v, i * k, (i + 1) * k);
                }
            }
        }
        return out;
    }
}
