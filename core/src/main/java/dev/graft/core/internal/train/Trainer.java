package dev.graft.core.internal.train;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.internal.order.LengthOrder;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.StepHook;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.Metrics;
import dev.graft.core.train.StepEvent;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingHistory;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: seeded shuffling per epoch, phases of the plan switched at their epochs,
 * validation metrics, early stopping with best-weights restore, checkpoints every N steps and at
 * stop, and resume from a checkpoint onto the same schedule.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String BEST = "best.safetensors";
    static final String STATE_KEY = "graft.trainer.state";
    static final String RUN_KEY = "graft.trainer.run";
    /** Name prefix (followed by the process id) of the best weights' temporary file in {@code java.io.tmpdir}. */
    public static final String TEMPORARY_BEST_PREFIX = "graft-best-";

    /** Everything one run needs. */
    public record Job(CompiledModel model, BatchSource train, List<Example> trainExamples, BatchSource validation,
            List<Example> validationExamples, LabelCodec codec, List<PlanResolver.ResolvedPhase> phases, int warmupEpochs,
            TrainerConfig config, String predictionOutput, String runId, String planText, List<StepHook> hooks) {
        public Job {
            hooks = List.copyOf(hooks);
        }
    }

    private final Job job;
    private final List<TrainingListener> listeners;
    private final TrainerConfig cfg;
    private final int stepsPerEpoch;
    private final long totalSteps;
    private final LearningRateSchedule schedule;
    /**
     * Where the best epoch's weights wait for a restore: {@link #BEST} in the checkpoint folder, else
     * a temporary file deleted when the run ends. Not the Java heap: BERT-Base's 440 MB copy held
     * there for the rest of the run made the heap, and the resident set, grow by gigabytes.
     */
    private Path bestFile;
    private boolean bestIsTemporary;

    public Trainer(Job job, List<TrainingListener> listeners) {
        this.job = job;
        this.listeners = List.copyOf(listeners);
        this.cfg = job.config();
        int n = job.train().size();
        this.stepsPerEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
        long planned = (long) cfg.epochs() * stepsPerEpoch;
        this.totalSteps = cfg.maxSteps() > 0 ? Math.min(planned, cfg.maxSteps()) : planned;
        long warmup = (long) job.warmupEpochs() * stepsPerEpoch;
        LearningRateSchedule sched = cfg.scheduleSpec().build(cfg.learningRate(), totalSteps, stepsPerEpoch, warmup);
        for (StepHook h : job.hooks()) {
            sched = h.schedule(sched);
        }
        this.schedule = sched;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public TrainingHistory run() throws IOException {
        try {
            return train();
        } finally {
            if (bestIsTemporary) {
                Files.deleteIfExists(bestFile);
                bestIsTemporary = false;
                bestFile = null;
            }
        }
    }

    private TrainingHistory train() throws IOException {
        CompiledModel model = job.model();
        int n = job.train().size();
        TrainerState st = TrainerState.fresh(cfg.seed());
        long resumedFrom = 0;
        int resumedEpoch = -1;
        Path ckpt = cfg.checkpointDir() == null ? null : cfg.checkpointDir().resolve(CHECKPOINT);
        if (cfg.resume() && ckpt != null && Files.exists(ckpt)) {
            st = restore(ckpt);
            resumedFrom = model.step();
            resumedEpoch = st.epoch();
        }
        listeners.forEach(l -> l.onStart(cfg.epochs(), stepsPerEpoch, totalSteps, n, job.planText()));
        if (resumedEpoch >= 0) {
            TrainerState from = st;
            long fromStep = resumedFrom;
            listeners.forEach(l -> l.onResume(ckpt, from.epoch(), from.stepInEpoch(), fromStep));
        }
        List<EpochMetrics> history = new ArrayList<>(st.history());
        String stop = st.finished();
        int epoch = st.epoch();
        int stepInEpoch = st.stepInEpoch();
        int phase = -1;
        double lossSum = st.lossSum();
        long lossCount = st.lossCount();
        double best = st.bestValue();
        int bestEpoch = st.bestEpoch();
        int bad = st.badEpochs();
        EarlyStopping es = cfg.earlyStopping();
        while (stop == null && epoch < cfg.epochs()) {
            long t0 = System.nanoTime();
            int p = phaseIndex(epoch);
            if (p != phase) {
                phase = p;
                PlanResolver.ResolvedPhase rp = job.phases().get(p);
                model.configureTraining(new TrainingConfig(cfg.optimizer(), schedule, rp.groups(), cfg.clipGlobalNorm(), cfg.seed()));
                int e = epoch;
                listeners.forEach(l -> l.onPhase(e, rp.phase().description(), rp.trainableParameters()));
            }
            int[] order = Seeds.permutation(n, Seeds.derive(cfg.seed(), 1, epoch));
            for (int b = stepInEpoch; b < stepsPerEpoch; b++) {
                if (model.step() >= totalSteps) {
                    stop = "max-steps";
                    break;
                }
                int from = b * cfg.batchSize();
                int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + cfg.batchSize()));
                Map<String, HostTensor> batch = new HashMap<>(job.train().inputs(idx, true, Seeds.derive(cfg.seed(), 2, epoch, b)));
                List<Example> ex = new ArrayList<>(idx.length);
                for (int i : idx) {
                    ex.add(job.trainExamples().get(i));
                }
                batch.put(NetworkAssembler.LABEL, job.codec().encode(ex));
                if (b + 1 < stepsPerEpoch && model.step() + 1 < totalSteps) {
                    // decoding and augmenting the next batch runs while this one trains
                    int next = (b + 1) * cfg.batchSize();
                    job.train().prefetch(java.util.Arrays.copyOfRange(order, next, Math.min(n, next + cfg.batchSize())), true,
                            Seeds.derive(cfg.seed(), 2, epoch, b + 1));
                }
                StepResult r = model.trainStep(batch);
                lossSum += r.loss() * idx.length;
                lossCount += idx.length;
                stepInEpoch = b + 1;
                StepEvent ev = new StepEvent(epoch, b + 1, stepsPerEpoch, model.step(), totalSteps, idx.length, r.loss(),
                        r.learningRate());
                listeners.forEach(l -> l.onStep(ev));
                for (StepHook h : job.hooks()) {
                    h.afterStep(r.step(), epoch, r.loss(), r.learningRate(), model::parameters);
                }
                if (ckpt != null && cfg.checkpointEvery() > 0 && model.step() % cfg.checkpointEvery() == 0) {
                    save(ckpt, new TrainerState(epoch, stepInEpoch, phase, lossSum, lossCount, best, bestEpoch, bad, null,
                            cfg.seed(), history));
                }
            }
            if (lossCount == 0) {
                break;
            }
            Metrics val = job.validationExamples().isEmpty() ? null : evaluate(job.validation(), job.validationExamples());
            Metrics trainSample = evaluateTrainSample();
            EpochMetrics em = new EpochMetrics(epoch, job.phases().get(phase).phase().description(), lossSum / lossCount, val,
                    model.step(), (System.nanoTime() - t0) / 1e9, trainSample);
            history.add(em);
            listeners.forEach(l -> l.onEpoch(em));
            if (es != null) {
                double v = em.value(es.metric());
                boolean improved = bestEpoch < 0 || (es.maximize() ? v > best + es.minDelta() : v < best - es.minDelta());
                if (improved) {
                    best = v;
                    bestEpoch = epoch;
                    bad = 0;
                    if (es.restoreBest()) {
                        // fetched a group at a time, not as a full copy of the weights on the heap
                        model.saveParameters(bestFile(), Map.of(RUN_KEY, job.runId(), "graft.epoch", Integer.toString(epoch)));
                    }
                } else if (++bad >= es.patience()) {
                    stop = "early-stopping";
                }
            }
            epoch++;
            stepInEpoch = 0;
            lossSum = 0;
            lossCount = 0;
            if (stop == null && model.step() >= totalSteps && epoch < cfg.epochs()) {
                stop = "max-steps";
            }
        }
        if (stop == null) {
            stop = "completed";
        }
        if (ckpt != null) {
            save(ckpt, new TrainerState(epoch, stepInEpoch, phase, lossSum, lossCount, best, bestEpoch, bad, stop,
                    cfg.seed(), history));
        }
        int finalEpoch = history.isEmpty() ? -1 : history.get(history.size() - 1).epoch();
        boolean chosen = es != null && es.restoreBest() && bestEpoch >= 0;
        if (chosen && bestEpoch != finalEpoch) {
            // a group at a time, as it was written: reading all of BERT-Base's weights at once put them on the heap
            // beside the model's native memory
            SafeTensors.read(bestFile(), RESTORE_GROUP_BYTES, model::setParameters);
        } else {
            bestEpoch = finalEpoch;
        }
        TrainingHistory h = new TrainingHistory(history, bestEpoch, stop, model.step(), resumedFrom, resumedEpoch, chosen);
        listeners.forEach(l -> l.onEnd(h));
        return h;
    }

    /** Bytes of the best weights read and assigned at a time when restoring them. */
    static final long RESTORE_GROUP_BYTES = 32L << 20;

    /** The best weights' file: in the checkpoint folder when there is one (a resumed run finds it there). */
    private Path bestFile() throws IOException {
        if (bestFile == null) {
            if (cfg.checkpointDir() != null) {
                bestFile = cfg.checkpointDir().resolve(BEST);
            } else {
                bestFile = Files.createTempFile(TEMPORARY_BEST_PREFIX + ProcessHandle.current().pid() + "-", ".safetensors");
                bestIsTemporary = true;
            }
        }
        return bestFile;
    }


    private int phaseIndex(int epoch) {
        int p = 0;
        for (int i = 0; i < job.phases().size(); i++) {
            if (job.phases().get(i).phase().startEpoch() <= epoch) {
                p = i;
            }
        }
        return p;
    }

    private TrainerState restore(Path ckpt) throws IOException {
        Map<String, String> meta = SafeTensors.read(ckpt).metadata();
        String run = meta.get(RUN_KEY);
        if (run == null || !run.equals(job.runId())) {
            throw new IllegalStateException("checkpoint " + ckpt + " was written by a different run (network, data or "
                    + "training settings differ); remove it or choose another checkpoint directory");
        }
        TrainerState st = TrainerState.fromJson(meta.get(STATE_KEY));
        job.model().loadCheckpoint(ckpt);
        return st;
    }

    private void save(Path ckpt, TrainerState st) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(RUN_KEY, job.runId());
        meta.put(STATE_KEY, st.toJson());
        try {
            job.model().saveCheckpoint(ckpt, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + ckpt + ": " + e.getMessage(), e);
        }
        listeners.forEach(l -> l.onCheckpoint(ckpt, job.model().step()));
    }

    /**
     * Metrics on a fixed sample of the training set, in inference mode, for learning curves: as many
     * examples as the validation set has (at least 64, at most all), so it at most doubles the
     * evaluation cost. The sample is the same every epoch.
     */
    private Metrics evaluateTrainSample() {
        int n = job.train().size();
        int k = Math.min(n, Math.max(64, job.validationExamples().size()));
        int[] order = Seeds.permutation(n, Seeds.derive(cfg.seed(), 3));
        int[] idx = java.util.Arrays.copyOf(order, k);
        java.util.Arrays.sort(idx);
        List<Example> ex = new ArrayList<>(k);
        for (int i : idx) {
            ex.add(job.trainExamples().get(i));
        }
        BatchSource sample = new BatchSource() {
            @Override
            public int size() {
                return idx.length;
            }

            @Override
            public Map<String, HostTensor> inputs(int[] rows, boolean training, long seed) {
                int[] mapped = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    mapped[i] = idx[rows[i]];
                }
                return job.train().inputs(mapped, false, seed);
            }
        };
        return evaluate(sample, ex);
    }

    /** Metrics of the model's current weights on a data set, the loss computed as in training (from the logits). */
    public Metrics evaluate(BatchSource source, List<Example> examples) {
        return MetricsCalculator.fromLogits(job.codec(), examples, predict(job.model(), source, examples.size(),
                cfg.batchSize(), NetworkAssembler.LOGITS, LengthOrder.longestFirst(examples, cfg.batchSize())), cfg.topK());
    }

    /**
     * Runs the prediction output over a whole source in batches, in the order {@code order} gives (indices into the
     * source; null: the source's own, see {@link LengthOrder}); row {@code i} of the result is example {@code i}'s.
     */
    public static float[][] predict(CompiledModel model, BatchSource source, int n, int batchSize, String output, int[] order) {
        float[][] out = new float[n][];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            int[] idx = new int[to - from];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = order == null ? from + i : order[from + i];
            }
            HostTensor y = model.predict(source.inputs(idx, false, 0), output);
            int c = (int) y.shape().dim(1);
            float[] v = y.floats();
            for (int i = 0; i < idx.length; i++) {
                out[idx[i]] = java.util.Arrays.copyOfRange(v, i * c, (i + 1) * c);
            }
        }
        return out;
    }
}
