package dev.graft.core.internal.train;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.NetworkAdapter;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.StepHook;
import dev.graft.core.spi.TrainingObjective;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.StepEvent;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the leading phases of a plan that a {@link TrainingObjective} trains: the backbone plus the
 * objective's loss, compiled on the run's engine, fed the objective's batches. Its backbone (and
 * adapter) parameters then carry over to the task network. Deterministic for a seed, so a resumed
 * run replays these phases to the same weights before the task checkpoint is restored.
 */
final class ObjectiveRun {
    static final String LOSS = "objective_loss";

    /** The parameters the objective trained, and one metrics row per epoch. */
    record Result(Map<String, HostTensor> parameters, List<EpochMetrics> epochs, long steps) {
    }

    private ObjectiveRun() {
    }

    /** Epochs covered by the plan's leading objective phases (0 if the first phase is a task phase). */
    static int leadingEpochs(TransferPlan plan, List<TrainingObjective> objectives, String strategy) {
        int end = 0;
        boolean task = false;
        for (int i = 0; i < plan.phases().size(); i++) {
            Phase p = plan.phases().get(i);
            boolean obj = objective(p, objectives) != null;
            if (obj && task) {
                throw new IllegalArgumentException("strategy '" + strategy + "': phase '" + p.description() + "' is trained by a "
                        + "training objective after a task phase; objective phases must come first");
            }
            if (obj) {
                end = i + 1 < plan.phases().size() ? plan.phases().get(i + 1).startEpoch() : Integer.MAX_VALUE;
            } else {
                task = true;
            }
        }
        if (end == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("strategy '" + strategy + "': every phase is trained by a training objective; "
                    + "the plan needs a last phase that trains the head on the task");
        }
        return end;
    }

    static TrainingObjective objective(Phase p, List<TrainingObjective> objectives) {
        return objectives.stream().filter(o -> o.trains(p)).findFirst().orElse(null);
    }

    /** The backbone with the objective's loss on its features, adapted like the task network. */
    static Network network(Backbone backbone, TrainingObjective objective, List<NetworkAdapter> adapters) {
        NetworkBuilder b = new NetworkBuilder();
        Map<String, Node> in = new LinkedHashMap<>();
        for (InputSpec s : backbone.inputs()) {
            in.put(s.name(), b.input(s.name(), s.dtype(), s.shape().dims()));
        }
        Node f;
        try (NetworkBuilder.Scope s = b.scope(NetworkAssembler.BACKBONE_SCOPE)) {
            f = backbone.build(b, in);
        }
        b.output(NetworkAssembler.FEATURES, f);
        Node loss = objective.loss(b, f);
        if (loss.shape().rank() != 0) {
            throw new DefinitionException(loss.name(), "training objective '" + objective.describe() + "' must return a scalar "
                    + "loss, got " + loss.shape());
        }
        b.loss(LOSS, loss);
        Network net = b.build();
        for (NetworkAdapter a : adapters) {
            net = a.adapt(net);
        }
        return net;
    }

    static Result run(Engine engine, Backbone backbone, TransferPlan plan, RunExtensions ext, int epochs,
            Map<String, HostTensor> start, List<Example> train, TrainerConfig cfg, List<TrainingListener> listeners) {
        List<EpochMetrics> rows = new ArrayList<>();
        Map<String, HostTensor> params = new LinkedHashMap<>(start);
        long steps = 0;
        int epoch = 0;
        while (epoch < epochs) {
            Phase phase = plan.phaseAt(epoch);
            int next = plan.phases().indexOf(phase) + 1;
            int end = Math.min(epochs, next < plan.phases().size() ? plan.phases().get(next).startEpoch() : epochs);
            TrainingObjective obj = objective(phase, ext.objectives());
            Network net = network(backbone, obj, ext.adapters());
            PlanResolver.ResolvedPhase rp = PlanResolver.resolve(phase, net, cfg.learningRate(), cfg.noWeightDecay());
            Map<String, HostTensor> known = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (net.params().containsKey(k)) {
                    known.put(k, v);
                }
            });
            try (CompiledModel m = engine.compile(net, cfg.seed(), known)) {
                m.setOptimizerState(Map.of(), steps);
                LearningRateSchedule schedule = schedule(obj, cfg, train, epoch, end, steps);
                for (StepHook h : ext.stepHooks()) {
                    schedule = h.schedule(schedule);
                }
                m.configureTraining(new TrainingConfig(cfg.optimizer(), schedule, rp.groups(), cfg.clipGlobalNorm(), cfg.seed()));
                int first = epoch;
                listeners.forEach(l -> l.onPhase(first, phase.description() + " (" + obj.describe() + ")", rp.trainableParameters()));
                for (; epoch < end; epoch++) {
                    rows.add(epoch(m, backbone, obj, ext, epoch, phase, train, cfg, listeners));
                }
                steps = m.step();
                params.putAll(m.parameters());
            }
        }
        return new Result(params, rows, steps);
    }

    /**
     * The run's configured schedule ({@link TrainerConfig#scheduleSpec()}: warmup, decay) laid over
     * this phase's own steps, counted from the objective's batches of epochs {@code from..end-1}
     * and starting at global step {@code offset}; a constant schedule stays constant.
     */
    static LearningRateSchedule schedule(TrainingObjective obj, TrainerConfig cfg, List<Example> train, int from, int end,
            long offset) {
        long total = 0;
        int perEpoch = 1;
        for (int e = from; e < end; e++) {
            perEpoch = obj.batches(train, cfg.batchSize(), e, Seeds.derive(cfg.seed(), 5, e)).size();
            total += perEpoch;
        }
        LearningRateSchedule built = cfg.scheduleSpec().build(cfg.learningRate(), Math.max(1, total), Math.max(1, perEpoch), 0);
        return step -> built.at(Math.max(0, step - offset));
    }

    private static EpochMetrics epoch(CompiledModel m, Backbone backbone, TrainingObjective obj, RunExtensions ext, int epoch,
            Phase phase, List<Example> train, TrainerConfig cfg, List<TrainingListener> listeners) {
        long t0 = System.nanoTime();
        double lossSum = 0;
        int count = 0;
        List<TrainingObjective.Batch> batches = obj.batches(train, cfg.batchSize(), epoch, Seeds.derive(cfg.seed(), 5, epoch));
        for (int i = 0; i < batches.size(); i++) {
            TrainingObjective.Batch tb = batches.get(i);
            Map<String, HostTensor> feed = new HashMap<>(backbone.encode(tb.examples(), true, Seeds.derive(cfg.seed(), 6, epoch, i)));
            feed.putAll(tb.inputs());
            StepResult r = m.trainStep(feed);
            lossSum += r.loss();
            count++;
            StepEvent ev = new StepEvent(epoch, i + 1, batches.size(), m.step(), m.step(), tb.examples().size(), r.loss(),
                    r.learningRate());
            listeners.forEach(l -> l.onStep(ev));
            for (StepHook h : ext.stepHooks()) {
                h.afterStep(r.step(), epoch, r.loss(), r.learningRate(), m::parameters);
            }
        }
        EpochMetrics em = new EpochMetrics(epoch, phase.description(), count == 0 ? Double.NaN : lossSum / count, null, m.step(),
                (System.nanoTime() - t0) / 1e9);
        listeners.forEach(l -> l.onEpoch(em));
        return em;
    }
}
