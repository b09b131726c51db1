package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import dev.graft.core.config.ComponentRef;

import dev.graft.core.data.BadRowPolicy;
import dev.graft.core.data.Dataset;
import dev.graft.core.internal.train.PipelineRunner;
import dev.graft.core.model.ModelManifest;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.WeightsStatus;
import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Composes a run in code: data, backbone (with its preprocessing), strategy, head, trainer,
 * evaluation, and the trained model to save.
 *
 * <pre>{@code
 * PipelineResult r = graft.pipeline()
 *         .data(examples)
 *         .backbone("resnet18", Map.of("weights", "resnet18.safetensors"))
 *         .strategy("hybrid", Map.of("cut", "layer3"))
 *         .head(HeadConfig.linear(Task.CLASSIFICATION))
 *         .trainer(TrainerConfig.defaults().withEpochs(5))
 *         .run();
 * r.model().save(Path.of("model"));
 * }</pre>
 */
public final class Pipeline {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Pipeline.class.getName());
    private final Components components;
    private ComponentRef backbone;
    private ComponentRef strategy = ComponentRef.of("feature-extraction");
    private HeadConfig head = HeadConfig.linear(Task.CLASSIFICATION);
    private TrainerConfig trainer = TrainerConfig.defaults();
    private String engine;
    private Path cacheDir;
    private List<Example> train;
    private List<Example> validation;
    private final List<TrainingListener> listeners = new ArrayList<>();

    /** A pipeline resolving names through {@code components} (get one from {@code graft.pipeline()}). */
    public Pipeline(Components components) {
        this.components = components;
    }

    /** Training examples; a validation set is split off (stratified) unless {@link #validation} is given. */
    public Pipeline data(List<Example> examples) {
        this.train = List.copyOf(examples);
        return this;
    }

    /**
     * Training examples read by {@code graft.read(...)}.
     *
     * @throws IllegalArgumentException when the dataset holds bad rows collected but not dealt with
     *                                  ({@link Dataset#withoutBadRows()}), naming each by file and line
     */
    public Pipeline data(Dataset dataset) {
        this.train = examples(dataset, "training data:");
        return this;
    }

    /**
     * Reads training examples with a dataset format ({@code null} id = the first that accepts the
     * path). Any bad row or file fails with a {@link dev.graft.core.data.BadRowsException} listing them
     * by file and line; read with {@code graft.read(path, format, options, BadRowPolicy.COLLECT)} to
     * decide otherwise.
     */
    public Pipeline data(Path path, String formatId, Map<String, String> options) throws IOException {
        this.train = read(path, formatId, options);
        return this;
    }

    public Pipeline validation(List<Example> examples) {
        this.validation = List.copyOf(examples);
        return this;
    }

    /** Validation examples read by {@code graft.read(...)}; refused like {@link #data(Dataset)}. */
    public Pipeline validation(Dataset dataset) {
        this.validation = examples(dataset, "validation data:");
        return this;
    }

    /** Reads validation examples; bad rows fail as in {@link #data(Path, String, Map)}. */
    public Pipeline validation(Path path, String formatId, Map<String, String> options) throws IOException {
        this.validation = read(path, formatId, options);
        return this;
    }

    private List<Example> read(Path path, String formatId, Map<String, String> options) throws IOException {
        return Dataset.read(components.format(formatId, path), path, options, context(engine, cacheDir, trainer.seed()),
                BadRowPolicy.FAIL).examples();
    }

    private static List<Example> examples(Dataset d, String what) {
        if (d.hasUnhandledBadRows()) {
            try {
                d.examples();
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(what + " " + e.getMessage(), e);
            }
        }
        return d.examples();
    }

    public Pipeline backbone(String name, Map<String, String> options) {
        this.backbone = ComponentRef.of(name, options);
        return this;
    }

    public Pipeline strategy(String id, Map<String, String> options) {
        this.strategy = ComponentRef.of(id, options);
        return this;
    }

    /** A typed strategy choice, e.g. {@code Strategies.lora().rank(8)}. */
    public Pipeline strategy(dev.graft.core.strategy.Strategies.Choice choice) {
        return strategy(choice.id(), choice.options());
    }

    public Pipeline head(HeadConfig h) {
        this.head = h;
        return this;
    }

    public Pipeline trainer(TrainerConfig t) {
        this.trainer = t;
        return this;
    }

    /**
     * Engine id; by default the system property {@code graft.engine}, the environment variable
     * {@code GRAFT_ENGINE}, then the supported engine of lowest rank (TensorFlow before PyTorch).
     */
    public Pipeline engine(String id) {
        this.engine = id;
        return this;
    }

    public Pipeline cacheDir(Path dir) {
        this.cacheDir = dir;
        return this;
    }

    /** Replaces backbone, strategy, head, trainer, engine and cache settings at once. */
    public Pipeline config(PipelineConfig c) {
        this.backbone = c.backbone();
        this.strategy = c.strategy();
        this.head = c.head();
        this.trainer = c.trainer();
        this.engine = c.engine();
        this.cacheDir = c.cacheDir();
        return this;
    }

    public Pipeline listener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /** The configuration as it stands. */
    public PipelineConfig config() {
        if (backbone == null) {
            throw new IllegalStateException("no backbone chosen; available: " + components.backboneNames());
        }
        return new PipelineConfig(backbone, strategy, head, trainer, engine, cacheDir);
    }

    /** Trains and evaluates; the result holds the trained model. */
    public PipelineResult run() throws IOException {
        if (train == null) {
            throw new IllegalStateException("no training data given; call data(...)");
        }
        PipelineConfig c = config();
        RunContext ctx = context(c.engine(), c.cacheDir(), c.trainer().seed());
        TransferStrategy strategy = components.strategy(c.strategy().name());
        HeadFactory head = components.head(c.head().factory());
        String providerId = components.backboneProvider(c.backbone().name()).id();
        List<String> warnings = new ArrayList<>();
        java.util.function.Supplier<Backbone> backbone = () -> {
            Backbone b = components.create(c.backbone().name(), c.backbone().options(), ctx);
            if (!b.pretrained()) {
                String w = fromScratchWarning(c.backbone().name(), c.strategy().name(),
                        components.backboneProvider(c.backbone().name()).weightsStatus(c.backbone().name()));
                warnings.add(w);
                LOG.warning(() -> w.substring("WARNING: ".length()));
                listeners.forEach(l -> l.onWarning(w));
            }
            return b;
        };
        PipelineRunner.Outcome o = PipelineRunner.run(new PipelineRunner.Request(strategy, c.strategy().options(),
                c.strategy().toString(), backbone, head,
                c.head().task(), c.head().hidden(), c.head().dropout(), c.head().toString(), ctx, c.trainer(), train, validation,
                listeners));
        ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT_VERSION, c.backbone(), providerId, c.head(), o.outputs(),
                c.strategy(), o.engineId(), o.predictionOutput());
        TrainedModel model = new TrainedModel(manifest, o.network(), o.weights(), o.preprocessing(),
                new TrainedModel.Labels(c.head().task(), o.labels())).withAdapterWeights(o.adapters())
                .withWeightFiles(o.weightFiles());
        PipelineResult.CacheStats cache = o.cache() == null ? null : new PipelineResult.CacheStats(o.cache().hits(),
                o.cache().computed(), o.cache().repeated(), o.cache().backboneBatches(), o.cache().directory());
        String planReport = warnings.isEmpty() ? o.report() : String.join("\n", warnings) + "\n" + o.report();
        PipelineResult.CrossValidation cv = o.solver() == null || o.solver().probe() == null ? null
                : new PipelineResult.CrossValidation(o.solvedExamples(), o.solver().folds(), o.solver().probe().c(),
                        o.solver().probe().crossValidationAccuracy());
        return new PipelineResult(model, o.history(), o.validation(), o.plan(), planReport, cache, o.seconds(),
                o.engineDescription(), warnings, cv);
    }

    /**
     * The warning of a run whose backbone has no pretrained weights: whatever the strategy, it trains
     * from scratch; says how this backbone gets pretrained weights when its plugin tells.
     */
    public static String fromScratchWarning(String backbone, String strategy, WeightsStatus status) {
        String how = status.howTo().isBlank() ? "" : " " + status.howTo();
        return "WARNING: backbone '" + backbone + "' has no pretrained weights (every layer starts from random values): "
                + "this is training from scratch, not transfer learning; strategy '" + strategy
                + "' transfers nothing." + how;
    }

    /** The run context of this pipeline: its engine (created on first use), cache root and seed. */
    private RunContext context(String engineId, Path cache, long seed) {
        return RunContext.of(components.engines(), engineId, cache != null ? cache : dev.graft.engine.spi.io.CacheFolder.root(), seed,
                components);
    }
}
