package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import dev.graft.core.config.ComponentRef;

import dev.graft.core.internal.train.PipelineRunner;
import dev.graft.core.model.ModelManifest;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.DatasetFormat;
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
     * Reads training examples with a dataset format ({@code null} id = the first that accepts the
     * path). Any bad row or file fails the run, listing every problem.
     */
    public Pipeline data(Path path, String formatId, Map<String, String> options) throws IOException {
        this.train = read(path, formatId, options);
        return this;
    }

    public Pipeline validation(List<Example> examples) {
        this.validation = List.copyOf(examples);
        return this;
    }

    public Pipeline validation(Path path, String formatId, Map<String, String> options) throws IOException {
        this.validation = read(path, formatId, options);
        return this;
    }

    private List<Example> read(Path path, String formatId, Map<String, String> options) throws IOException {
        DatasetFormat f = components.format(formatId, path);
        DatasetFormat.Result r = f.read(path, options, context(engine, cacheDir, trainer.seed()));
        if (!r.problems().isEmpty()) {
            StringBuilder sb = new StringBuilder(r.problems().size() + " bad record(s) in " + path + ":");
            r.problems().stream().limit(50).forEach(p -> sb.append("\n  ").append(p));
            if (r.problems().size() > 50) {
                sb.append("\n  ... and ").append(r.problems().size() - 50).append(" more");
            }
            throw new IOException(sb.toString());
        }
        return r.examples();
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

    /** Engine id; by default {@code graft.engine}, {@code GRAFT_ENGINE}, then tensorflow. */
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
        PipelineRunner.Outcome o = PipelineRunner.run(new PipelineRunner.Request(strategy, c.strategy().options(),
                c.strategy().toString(), () -> components.create(c.backbone().name(), c.backbone().options(), ctx), head,
                c.head().task(), c.head().hidden(), c.head().dropout(), c.head().toString(), ctx, c.trainer(), train, validation,
                listeners));
        ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT_VERSION, c.backbone(), providerId, c.head(), o.outputs(),
                c.strategy(), o.engineId(), o.predictionOutput());
        TrainedModel model = new TrainedModel(manifest, o.network(), o.weights(), o.preprocessing(),
                new TrainedModel.Labels(c.head().task(), o.labels())).withAdapterWeights(o.adapters());
        PipelineResult.CacheStats cache = o.cache() == null ? null : new PipelineResult.CacheStats(o.cache().hits(),
                o.cache().computed(), o.cache().repeated(), o.cache().backboneBatches(), o.cache().directory());
        return new PipelineResult(model, o.history(), o.validation(), o.plan(), o.report(), cache, o.seconds(),
                o.engineDescription());
    }

    /** The run context of this pipeline: its engine (created on first use), cache root and seed. */
    private RunContext context(String engineId, Path cache, long seed) {
        return RunContext.of(components.engines(), engineId, cache != null ? cache : dev.graft.engine.spi.io.CacheFolder.root(), seed,
                components);
    }
}
