package dev.graft.core.internal.train;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.internal.cache.BackboneWeightsFile;
import dev.graft.core.internal.cache.FeatureCache;
import dev.graft.core.internal.cache.LazyBackbone;
import dev.graft.core.internal.heads.SolvedLinearHead;
import dev.graft.core.internal.order.LengthOrder;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.HeadSpec;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.Task;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.core.train.Metrics;
import dev.graft.core.train.ProgressListener;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingHistory;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.io.FileTensors;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One training run on resolved objects: the facade ({@code Pipeline}) resolves names, creates the
 * run context and hands over the strategy, head factory, backbone and data; the run returns a plain
 * {@link Outcome} from which the facade builds its result and the saved model. It imports none of the
 * facade, result or registry types.
 */
public final class PipelineRunner {
    /**
     * What a run needs.
     *
     * @param strategyKey text of the strategy and its options, for the run id
     * @param headKey     text of the head configuration, for the run id
     * @param backbone    creates the backbone (called once, after the data checks); the run closes it
     */
    public record Request(TransferStrategy strategy, Map<String, String> strategyOptions, String strategyKey,
            java.util.function.Supplier<Backbone> backbone, HeadFactory head, Task task, List<Integer> hidden, double dropout,
            String headKey, RunContext context, TrainerConfig trainer, List<Example> data, List<Example> validation,
            List<TrainingListener> listeners) {
    }

    /**
     * Feature-cache figures: examples read from disk, examples computed, examples whose input repeats an
     * earlier one's (hits + computed + repeated = all examples), backbone batches, directory.
     */
    public record CacheStats(int hits, int computed, int repeated, int backboneBatches, String directory) {
    }

    /**
     * What a run produced: the inference network and its weights (adapters merged), the adapters'
     * own parameters, the labels, history, final validation metrics, the plan and its report.
     */
    public record Outcome(Network network, Map<String, HostTensor> weights, Map<String, HostTensor> adapters,
            dev.graft.core.spi.Preprocessing preprocessing, List<String> labels, int outputs, String predictionOutput,
            TrainingHistory history, Metrics validation, TransferPlan plan, String report, CacheStats cache,
            Map<String, Double> seconds, String engineId, String engineDescription, List<FileTensors> weightFiles,
            SolvedLinearHead solver, int solvedExamples) {
    }

    private PipelineRunner() {
    }

    public static Outcome run(Request request) throws IOException {
        List<Backbone> opened = new ArrayList<>();
        try {
            return run(request, opened);
        } finally {
            for (Backbone b : opened) {
                b.close();
            }
        }
    }

    private static Outcome run(Request rq, List<Backbone> opened) throws IOException {
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        TrainerConfig tc = rq.trainer();
        Task task = rq.task();
        List<Example> data = rq.data();
        List<Example> validation = rq.validation();
        if (data.isEmpty()) {
            throw new IllegalArgumentException("the training data is empty: no examples to train on");
        }
        TransferStrategy strategy = rq.strategy();
        HeadFactory headFactory = rq.head();
        Split.Parts parts = validation != null ? new Split.Parts(data, validation)
                : Split.stratified(data, task, tc.validationFraction(), tc.seed());
        if (parts.train().isEmpty()) {
            throw new IllegalArgumentException("no training examples left after holding out validation data");
        }
        LabelCodec codec = LabelCodec.fit(task, parts.train());
        codec.requireKnown(parts.validation(), "validation");
        if (tc.earlyStopping() != null && !tc.earlyStopping().metric().equals("train_loss") && parts.validation().isEmpty()) {
            throw new IllegalArgumentException("early stopping on '" + tc.earlyStopping().metric()
                    + "' needs validation data (give a validation set or a validation fraction > 0)");
        }
        Backbone backbone = rq.backbone().get();
        opened.add(backbone);
        HeadSpec headSpec = new HeadSpec(task, codec.outputs(), rq.hidden(), rq.dropout());
        Network trainNet = NetworkAssembler.full(backbone, headFactory, headSpec, codec);
        PlanContext ctx = new PlanContext(backbone.name(), backbone.blocks(), NetworkAssembler.BACKBONE_SCOPE,
                NetworkAssembler.HEAD_SCOPE, tc.learningRate(), tc.epochs(), parts.train().size(),
                task == Task.REGRESSION ? 0 : codec.outputs(), PlanResolver.batchNormParams(trainNet),
                List.copyOf(trainNet.params().keySet()));
        TransferPlan plan = strategy.plan(ctx, rq.strategyOptions(), rq.context());
        requireHeadOnFeatures(strategy.id(), plan, backbone);
        if (!plan.cacheFeatures()) {
            requireRawInputs(strategy.id(), data, validation);
        }
        // read when first needed: a feature-extraction run whose features and backbone weights file are cached reads none
        Map<String, HostTensor> backboneInit = new LinkedHashMap<>();
        java.util.function.Supplier<Map<String, HostTensor>> initial = () -> {
            if (backboneInit.isEmpty()) {
                backboneInit.putAll(backboneInitialValues(backbone, trainNet, tc.seed()));
            }
            return backboneInit;
        };
        if (!plan.cacheFeatures()) {
            initial.get();
        }
        RunExtensions ext = RunExtensions.apply(RunExtensions.of(plan, strategy), trainNet,
                new java.util.LinkedHashSet<>(backboneParams(trainNet).keySet()));
        int objectiveEpochs = ext.objectives().isEmpty() ? 0 : ObjectiveRun.leadingEpochs(plan, ext.objectives(), strategy.id());
        if (objectiveEpochs >= tc.epochs()) {
            throw new IllegalArgumentException("strategy '" + strategy.id() + "' trains its objective for " + objectiveEpochs
                    + " epoch(s), which leaves none of the " + tc.epochs() + " epochs for the task; give more epochs");
        }
        Network runNet = ext.network();
        SolvedLinearHead solver = plan.extensions(SolvedLinearHead.class).stream().findFirst().orElse(null);
        if (solver != null && !solver.explicit() && !SolvedLinearHead.applies(runNet, NetworkAssembler.HEAD_SCOPE, task)) {
            solver = null; // a default only: other tasks and heads train by gradient steps
        }
        if (solver != null && validation == null && !parts.validation().isEmpty()) {
            // a solved head chooses its regularisation by cross-validation inside the training data, so examples held
            // out of it for early stopping would only be labels thrown away: it fits on all of them
            parts = new Split.Parts(data, List.of());
        }
        List<PlanResolver.ResolvedPhase> phases = PlanResolver.resolve(plan, runNet, tc.learningRate(), tc.noWeightDecay());
        StringBuilder report = new StringBuilder(plan.explanation());
        ext.describe().forEach(d -> report.append("\nextension: ").append(d));
        report.append("\nas applied:");
        phases.forEach(p -> report.append('\n').append(p.table()));
        String runId = FeatureCache.hash(runNet.toJson(), describe(tc), rq.strategyKey(), rq.headKey(), dataDigest(parts));
        Engine engine = rq.context().engine();
        List<TrainingListener> listeners = new ArrayList<>(rq.listeners());
        if (tc.progress()) {
            listeners.add(ProgressListener.auto());
        }
        String output = NetworkAssembler.predictionOutput(task);
        seconds.put("setup", (System.nanoTime() - t0) / 1e9);

        Map<String, HostTensor> weights = new LinkedHashMap<>();
        Map<String, HostTensor> adapters = new LinkedHashMap<>();
        List<FileTensors> weightFiles = new ArrayList<>();
        TrainingHistory history;
        Metrics finalMetrics = null;
        CacheStats cacheStats = null;
        if (plan.cacheFeatures()) {
            if (ext.changesNetwork() || objectiveEpochs > 0) {
                throw new IllegalStateException("strategy '" + strategy.id() + "' asks for cached backbone features but also "
                        + "adapts the network or adds loss terms (" + ext.describe() + "); features can only be cached when the "
                        + "backbone network stays as it is");
            }
            requireFrozenBackbone(strategy.id(), phases, runNet);
            long tf = System.nanoTime();
            String backboneKey = NetworkAssembler.backboneKey(backbone, trainNet, tc.seed());
            FeatureCache cache = new FeatureCache(rq.context().cacheRoot(), backboneKey);
            FeatureCache.Tally tally = new FeatureCache.Tally();
            List<Example> all = new ArrayList<>(parts.train());
            all.addAll(parts.validation());
            float[][] allF;
            // compiled only when some example misses the cache: a fully cached run never builds the backbone
            try (LazyBackbone bm = new LazyBackbone(
                    () -> engine.compile(NetworkAssembler.backboneOnly(backbone), tc.seed(), initial.get()))) {
                allF = cache.features(backbone, bm, NetworkAssembler.FEATURES, all, tc.batchSize(), tally,
                        (done, total) -> listeners.forEach(l -> l.onFeatures(done, total)));
            }
            float[][] trainF = java.util.Arrays.copyOfRange(allF, 0, parts.train().size());
            float[][] valF = java.util.Arrays.copyOfRange(allF, parts.train().size(), allF.length);
            cacheStats = new CacheStats(tally.fromDisk(), tally.computed(), tally.repeated(), tally.batches(),
                    cache.directory().toString());
            seconds.put("features", (System.nanoTime() - tf) / 1e9);
            long dim = trainF[0].length;
            Network headNet = NetworkAssembler.headOnly(dim, headFactory, headSpec, codec);
            List<PlanResolver.ResolvedPhase> headPhases = PlanResolver.resolve(plan, headNet, tc.learningRate(), tc.noWeightDecay());
            try (CompiledModel hm = engine.compile(headNet, tc.seed())) {
                FeatureBatches trainB = new FeatureBatches(trainF, NetworkAssembler.FEATURES);
                FeatureBatches valB = new FeatureBatches(valF, NetworkAssembler.FEATURES);
                Trainer trainer = new Trainer(new Trainer.Job(hm, trainB, parts.train(), valB, parts.validation(), codec,
                        headPhases, plan.warmupEpochs(), tc, output, runId, report.toString(), ext.stepHooks()), listeners);
                long tt = System.nanoTime();
                history = solver == null ? trainer.run() : HeadSolve.apply(solver, hm, headNet, task, strategy.id(), trainF,
                        parts.train(), codec, tc.seed(), trainer, trainB, valB, parts.validation(),
                        plan.phases().get(0).description(), 0);
                seconds.put("training", (System.nanoTime() - tt) / 1e9);
                long te = System.nanoTime();
                if (!parts.validation().isEmpty()) {
                    finalMetrics = trainer.evaluate(valB, parts.validation());
                }
                seconds.put("evaluation", (System.nanoTime() - te) / 1e9);
                Map<String, ParamSpec> frozen = backboneParams(trainNet);
                if (frozen.isEmpty()) {
                    weights.putAll(initial.get());
                } else {
                    // views of the backbone weights file beside the features, which the saved model copies in the kernel
                    FileTensors backboneWeights = BackboneWeightsFile.obtain(cache.directory(), backboneKey, frozen, initial);
                    weightFiles.add(backboneWeights);
                    weights.putAll(backboneWeights.tensors());
                }
                weights.putAll(hm.parameters());
            }
        } else {
            Map<String, HostTensor> start = new LinkedHashMap<>(backboneInit);
            start.putAll(ext.copyValues(backboneInit));
            java.nio.file.Path trainedFile = java.nio.file.Files.createTempFile(TRAINED_PREFIX, ".safetensors");
            try {
                try (CompiledModel m = engine.compile(runNet, tc.seed(), start)) {
                    // the engine holds the weights now: no Java copy stays on the heap through training, and
                    // the garbage of reading them (about twice their size) is collected before training
                    // allocates its native memory, so that the heap the reading grew shrinks back first
                    long moved = start.values().stream().mapToLong(HostTensor::byteSize).sum();
                    start.clear();
                    backboneInit.clear();
                    if (moved >= RELEASE_HEAP_BYTES) {
                        releaseHeap();
                    }
                    long tt = System.nanoTime();
                    List<PlanResolver.ResolvedPhase> taskPhases = phases;
                    TrainerConfig taskConfig = tc;
                    ObjectiveRun.Result objective = null;
                    if (objectiveEpochs > 0) {
                        objective = ObjectiveRun.run(engine, backbone, plan, ext, objectiveEpochs, m.parameters(), parts.train(), tc,
                                listeners);
                        Map<String, HostTensor> carried = new LinkedHashMap<>();
                        objective.parameters().forEach((k, v) -> {
                            if (runNet.params().containsKey(k)) {
                                carried.put(k, v);
                            }
                        });
                        m.setParameters(carried);
                        taskPhases = shift(phases, objectiveEpochs);
                        taskConfig = tc.withEpochs(tc.epochs() - objectiveEpochs);
                    }
                    ExampleBatches trainB = new ExampleBatches(backbone, parts.train());
                    ExampleBatches valB = new ExampleBatches(backbone, parts.validation());
                    Trainer trainer = new Trainer(new Trainer.Job(m, trainB, parts.train(), valB, parts.validation(), codec,
                            taskPhases, plan.warmupEpochs(), taskConfig, output, runId, report.toString(), ext.stepHooks()), listeners);
                    if (solver != null) {
                        if (objective == null) {
                            requireFrozenBackbone(strategy.id(), phases, runNet);
                        }
                        float[][] tuned = Trainer.predict(m, trainB, parts.train().size(), tc.batchSize(), NetworkAssembler.FEATURES,
                                LengthOrder.longestFirst(parts.train(), tc.batchSize()));
                        history = HeadSolve.apply(solver, m, runNet, task, strategy.id(), tuned, parts.train(), codec, tc.seed(),
                                trainer, trainB, valB, parts.validation(), taskPhases.get(0).phase().description(), 0);
                    } else {
                        history = trainer.run();
                    }
                    if (objective != null) {
                        history = prepend(objective, history, objectiveEpochs);
                    }
                    seconds.put("training", (System.nanoTime() - tt) / 1e9);
                    long te = System.nanoTime();
                    if (!parts.validation().isEmpty()) {
                        finalMetrics = trainer.evaluate(valB, parts.validation());
                    }
                    seconds.put("evaluation", (System.nanoTime() - te) / 1e9);
                    m.saveParameters(trainedFile, Map.of());
                }
                // the heap that training and saving grew (G1 kept a few hundred MiB committed for a live set of tens)
                // is returned before the weights are mapped: the model's native memory stays allocated in its engine's
                // pool, so the end of the run adds to it
                if (java.nio.file.Files.size(trainedFile) >= RELEASE_HEAP_BYTES) {
                    releaseHeap();
                }
                // read back once the model is closed: fetched whole while it was open, the trained weights were a copy on
                // the heap beside the model's native memory (variables, optimizer slots), the peak of a fine-tuning run
                // and kept in the file: checked through a small buffer, mapped but not read, so that the saved model's
                // writer copies them from this file to its own in the kernel (the file's pages never become the
                // process's memory, on top of the engine's pool that closing the model did not shrink)
                FileTensors trainedWeights = FileTensors.open(trainedFile);
                weightFiles.add(trainedWeights);
                Map<String, HostTensor> trained = trainedWeights.tensors();
                adapters.putAll(ext.adapterWeights(trained));
                weights.putAll(ext.merge(trained));
            } finally {
                // the open file and its mapped views stay valid without the file's name
                java.nio.file.Files.deleteIfExists(trainedFile);
            }
        }
        Network inference = NetworkAssembler.full(backbone, headFactory, headSpec, null);
        Map<String, HostTensor> kept = new LinkedHashMap<>();
        for (String name : inference.params().keySet()) {
            kept.put(name, weights.get(name));
        }
        return new Outcome(inference, kept, adapters, backbone.preprocessing(), codec.labels(), codec.outputs(), output, history,
                finalMetrics, plan, report.toString(), cacheStats, seconds, engine.id(), engine.id() + " " + engine.version(),
                weightFiles, solver, solver == null ? 0 : parts.train().size());
    }

    /**
     * A full collection, which also returns the heap's unused part to the system (the collector
     * shrinks the heap to at most about three times what is live). Called once per run, where
     * hundreds of megabytes of weights have just moved from the Java heap into an engine.
     */
    static final long RELEASE_HEAP_BYTES = 64L << 20;

    /** Name prefix of the temporary file the trained weights pass through between the engine and the outcome. */
    static final String TRAINED_PREFIX = "graft-trained-";

    private static void releaseHeap() {
        System.gc();
    }

    /** The network's backbone parameters, in its order: the names {@link #backboneInitialValues} gives values for. */
    static Map<String, ParamSpec> backboneParams(Network net) {
        Map<String, ParamSpec> out = new LinkedHashMap<>();
        String prefix = NetworkAssembler.BACKBONE_SCOPE + ".";
        net.params().values().stream().filter(p -> p.name().startsWith(prefix)).forEach(p -> out.put(p.name(), p));
        return out;
    }

    /**
     * Backbone parameters: the backbone's weights where it has them, the seeded initial values
     * elsewhere. A weight the network does not define, or of another shape, is an error.
     */
    static Map<String, HostTensor> backboneInitialValues(Backbone backbone, Network net, long seed) {
        Map<String, HostTensor> w = backbone.weights();
        String prefix = NetworkAssembler.BACKBONE_SCOPE + ".";
        for (Map.Entry<String, HostTensor> e : w.entrySet()) {
            ParamSpec p = net.params().get(e.getKey());
            if (p == null || !e.getKey().startsWith(prefix)) {
                throw new IllegalArgumentException("backbone '" + backbone.name() + "' has weight '" + e.getKey()
                        + "' that its network does not define" + nearest(net, e.getKey()));
            }
            if (!p.shape().equals(e.getValue().shape()) || p.dtype() != e.getValue().dtype()) {
                throw new IllegalArgumentException("backbone '" + backbone.name() + "' weight '" + e.getKey() + "' is "
                        + e.getValue().dtype() + e.getValue().shape() + ", the network wants " + p.dtype() + p.shape());
            }
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (ParamSpec p : net.params().values()) {
            if (p.name().startsWith(prefix)) {
                HostTensor t = w.get(p.name());
                out.put(p.name(), t != null ? t : p.initializer().create(p.shape(), p.dtype(), seed, p.name()));
            }
        }
        return out;
    }

    private static String nearest(Network net, String name) {
        List<String> names = net.params().keySet().stream().filter(n -> n.startsWith(NetworkAssembler.BACKBONE_SCOPE + "."))
                .limit(8).toList();
        return names.isEmpty() ? "" : " (its parameters look like " + names + ")";
    }


    /** The task phases (those starting at or after {@code epochs}), their start moved {@code epochs} earlier. */
    private static List<PlanResolver.ResolvedPhase> shift(List<PlanResolver.ResolvedPhase> phases, int epochs) {
        List<PlanResolver.ResolvedPhase> out = new ArrayList<>();
        for (PlanResolver.ResolvedPhase p : phases) {
            if (p.phase().startEpoch() >= epochs) {
                dev.graft.core.spi.Phase q = new dev.graft.core.spi.Phase(p.phase().startEpoch() - epochs, p.phase().description(),
                        p.phase().groups());
                out.add(new PlanResolver.ResolvedPhase(q, p.groups(), p.trainableParameters(), p.table()));
            }
        }
        return out;
    }

    /** The objective's epochs followed by the task's, numbered from the start of the run. */
    private static TrainingHistory prepend(ObjectiveRun.Result objective, TrainingHistory task, int epochs) {
        List<dev.graft.core.train.EpochMetrics> all = new ArrayList<>(objective.epochs());
        for (dev.graft.core.train.EpochMetrics e : task.epochs()) {
            all.add(new dev.graft.core.train.EpochMetrics(e.epoch() + epochs, e.phase(), e.trainLoss(), e.validation(),
                    e.steps() + objective.steps(), e.seconds(), e.trainSample()));
        }
        return new TrainingHistory(all, task.bestEpoch() < 0 ? task.bestEpoch() : task.bestEpoch() + epochs, task.stopReason(),
                task.steps() + objective.steps(), task.resumedFromStep(),
                task.resumedFromEpoch() < 0 ? task.resumedFromEpoch() : task.resumedFromEpoch() + epochs, task.earlyStopping());
    }

    private static void requireHeadOnFeatures(String strategy, TransferPlan plan, Backbone backbone) {
        String at = plan.headAttach();
        List<dev.graft.core.spi.Block> blocks = backbone.blocks();
        boolean top = at.equals(TransferPlan.FEATURES) || (!blocks.isEmpty() && blocks.get(blocks.size() - 1).name().equals(at));
        if (!top) {
            throw new IllegalArgumentException("strategy '" + strategy + "' attaches the head at '" + at + "', but backbone '"
                    + backbone.name() + "' exposes only its features (the output of its top block"
                    + (blocks.isEmpty() ? "" : " '" + blocks.get(blocks.size() - 1).name() + "'") + ")");
        }
    }

    /** Precomputed feature vectors can only train a head on cached features: any other plan runs the backbone on the inputs. */
    private static void requireRawInputs(String strategy, List<Example> data, List<Example> validation) {
        List<Example> all = new ArrayList<>(data);
        if (validation != null) {
            all.addAll(validation);
        }
        for (Example e : all) {
            if (e.input() instanceof dev.graft.core.spi.PrecomputedFeatures f) {
                throw new IllegalArgumentException(e.source() + ": the data holds feature vectors (" + f + "), not inputs; "
                        + "strategy '" + strategy + "' runs the backbone on inputs, so only a strategy that trains the head on "
                        + "cached features (feature-extraction) can use them");
            }
        }
    }

    private static void requireFrozenBackbone(String strategy, List<PlanResolver.ResolvedPhase> phases, Network net) {
        for (PlanResolver.ResolvedPhase p : phases) {
            TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.sgd(0), s -> 1).withGroups(p.groups());
            for (ParamSpec ps : net.params().values()) {
                if (!ps.name().startsWith(NetworkAssembler.BACKBONE_SCOPE + ".")) {
                    continue;
                }
                var g = cfg.groupOf(ps.name());
                if ((ps.trainable() && !g.frozen()) || (!ps.trainable() && g.batchStatistics())) {
                    throw new IllegalStateException("strategy '" + strategy + "' asks for cached backbone features but its phase '"
                            + p.phase().description() + "' changes backbone parameter '" + ps.name() + "' (group '" + g.name()
                            + "'); features can only be cached when the backbone stays frozen");
                }
            }
        }
    }

    private static String describe(TrainerConfig tc) {
        return String.join(";", "epochs=" + tc.epochs(), "maxSteps=" + tc.maxSteps(), "batch=" + tc.batchSize(),
                "lr=" + tc.learningRate(), "opt=" + tc.optimizer(), "schedule=" + tc.schedule(),
                "clip=" + tc.clipGlobalNorm(), "seed=" + tc.seed(), "val=" + tc.validationFraction(),
                "es=" + tc.earlyStopping(), "nwd=" + tc.noWeightDecay());
    }

    private static String dataDigest(Split.Parts parts) {
        List<String> s = new ArrayList<>();
        parts.train().forEach(e -> s.add("t:" + e.source() + "=" + e.label()));
        parts.validation().forEach(e -> s.add("v:" + e.source() + "=" + e.label()));
        return FeatureCache.hash(s.toArray(String[]::new));
    }
}
