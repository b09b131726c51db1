package dev.graft.core.model;

import dev.graft.core.internal.ensemble.SoftVote;
import dev.graft.core.internal.order.LengthOrder;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a trained model on new inputs with any engine. The backbone's plugin is looked up by name
 * to encode inputs the way the weights expect; its preprocessing must match the saved one.
 * Inputs of more than one batch run on {@value #CALLERS_PROPERTY} callers at once (two by default), each
 * with its share of the engine's threads ({@link Engine#shareThreads}), so that one batch is encoded and
 * decoded while another computes. Thread-safe; close it to free the engine's resources.
 */
public final class Predictor implements AutoCloseable {
    /** System property: how many batches run at once when a call has more than one (default 2; 1 runs them in turn). */
    public static final String CALLERS_PROPERTY = "graft.predict.callers";
    /** Inputs per engine call. */
    public static final int BATCH = 32;

    private final TrainedModel model;
    private final Backbone encoder;
    private final CompiledModel compiled;
    private final int batchSize;
    /** An ensemble's: one predictor per member, in the model's member order; empty for a single model. */
    private final List<Predictor> members;
    private final Engine engine;
    private final int callers;
    /** The threads that run batches at once, made on the first call with more than one batch; ended by close. */
    private ExecutorService pool;
    private boolean closed;

    private Predictor(TrainedModel model, Backbone encoder, CompiledModel compiled, int batchSize, Engine engine, int callers) {
        this.model = model;
        this.encoder = encoder;
        this.compiled = compiled;
        this.batchSize = batchSize;
        this.members = List.of();
        this.engine = engine;
        this.callers = callers;
    }

    private static int callers() {
        String v = System.getProperty(CALLERS_PROPERTY);
        if (v == null || v.isBlank()) {
            return 2;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= 64) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(CALLERS_PROPERTY + ": must be a whole number from 1 to 64, got '" + v + "'");
    }

    /**
     * Engine settings for a process whose prediction is one call on {@code inputs} inputs (a {@code graft predict} or
     * {@code graft evaluate}). Where {@code base} leaves the threads to the engine and the inputs fill more than one
     * batch, the batches run on the callers at once, and each caller gets the cores divided among the callers, as
     * {@code graft serve} gives its workers: on TensorFlow each caller's calls then run wholly in its own thread
     * instead of sharing one pool; PyTorch's callers already get that share. One batch keeps the engine's default
     * (every core for its one call). Threads set in {@code base} are kept.
     */
    public static EngineSettings engineSettings(EngineSettings base, int inputs) {
        int callers = callers();
        if (inputs <= BATCH || callers < 2) {
            return base;
        }
        return base.sharedBy(Math.min(callers, (inputs + BATCH - 1) / BATCH));
    }

    private Predictor(TrainedModel ensemble, List<Predictor> members) {
        this.model = ensemble;
        this.encoder = null;
        this.compiled = null;
        this.batchSize = 0;
        this.members = List.copyOf(members);
        this.engine = null;
        this.callers = 1;
    }

    /** A predictor per member of an ensemble, all opened or none. */
    private static Predictor openEnsemble(TrainedModel model, Engine engine, dev.graft.core.spi.RunContext.Backbones backbones) {
        List<Predictor> open = new ArrayList<>();
        try {
            for (TrainedModel.Member m : model.members()) {
                try {
                    open.add(open(m.model(), engine, backbones));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("ensemble member '" + m.name() + "': " + e.getMessage(), e);
                }
            }
            return new Predictor(model, open);
        } catch (RuntimeException e) {
            open.forEach(Predictor::close);
            throw e;
        }
    }

    /**
     * Compiles the model on {@code engine} and finds its backbone's encoder in {@code backbones}
     * (e.g. {@code graft.backbones()}), created in a run context over that same engine.
     */
    public static Predictor open(TrainedModel model, Engine engine, dev.graft.core.spi.RunContext.Backbones backbones) {
        if (!model.members().isEmpty()) {
            return openEnsemble(model, engine, backbones);
        }
        int callers = callers();
        ModelManifest m = model.manifest();
        dev.graft.core.spi.RunContext context = dev.graft.core.spi.RunContext.of(engine,
                dev.graft.engine.spi.io.CacheFolder.root(), 0, backbones);
        Backbone b = backbones.create(m.backbone().name(), m.backbone().options(), context);
        if (!b.preprocessing().canonical().equals(model.preprocessing().canonical())) {
            b.close();
            throw new IllegalStateException("backbone '" + m.backbone().name() + "' now preprocesses as "
                    + b.preprocessing().canonical() + " but the model was trained with "
                    + model.preprocessing().canonical() + "; use the plugin version the model was trained with");
        }
        List<String> unfed = unfedInputs(model, b);
        if (!unfed.isEmpty()) {
            b.close();
            throw new IllegalStateException("the saved network reads inputs " + unfed + " that backbone '" + m.backbone().name()
                    + "' no longer produces (it produces " + b.inputs().stream().map(dev.graft.core.spi.InputSpec::name).toList()
                    + "): the model was saved by an earlier Graft version; re-save it with this version (train it again "
                    + "with graft fit)");
        }
        CompiledModel c;
        try {
            c = engine.compile(model.network(), 0, model.weights());
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return new Predictor(model, b, c, BATCH, engine, callers);
    }

    /** Inputs the saved network reads for its prediction that the backbone does not produce. */
    public static List<String> unfedInputs(TrainedModel model, Backbone backbone) {
        java.util.Set<String> produced = new java.util.HashSet<>();
        backbone.inputs().forEach(s -> produced.add(s.name()));
        return model.network().inputsFor(List.of(model.manifest().predictionOutput())).stream()
                .filter(n -> !produced.contains(n)).toList();
    }

    public TrainedModel model() {
        return model;
    }

    /**
     * Predicts every example (labels, if present, are ignored). An ensemble's probabilities are its members'
     * averaged with the ensemble's weights, normalised to sum 1, by label name; its label the most probable.
     */
    public List<Prediction> predict(List<Example> examples) {
        if (!members.isEmpty()) {
            return vote(examples);
        }
        // more than one batch of texts runs longest first, each batch padded to about its own texts' length
        int[] order = LengthOrder.longestFirst(examples, batchSize);
        if (order == null) {
            return run(examples);
        }
        List<Example> sorted = new ArrayList<>(examples.size());
        for (int i : order) {
            sorted.add(examples.get(i));
        }
        List<Prediction> got = run(sorted);
        Prediction[] out = new Prediction[examples.size()];
        for (int r = 0; r < order.length; r++) {
            out[order[r]] = got.get(r);
        }
        return new ArrayList<>(java.util.Arrays.asList(out));
    }

    /** Predicts {@code examples} in the given order, in batches, on the callers. */
    private List<Prediction> run(List<Example> examples) {
        int batches = (examples.size() + batchSize - 1) / batchSize;
        if (batches < 2 || callers < 2) {
            List<Prediction> out = new ArrayList<>(examples.size());
            for (int k = 0; k < batches; k++) {
                out.addAll(batch(examples, k));
            }
            return out;
        }
        // each caller takes the next batch not yet taken when it is free, so a caller given the longer texts takes fewer
        // batches (the batches come longest first, see LengthOrder); the answers are put back in the inputs' order
        int n = Math.min(callers, batches);
        ExecutorService p = pool();
        List<List<Prediction>> done = new ArrayList<>(java.util.Collections.nCopies(batches, (List<Prediction>) null));
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Future<?>> parts = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            parts.add(p.submit(() -> {
                for (int k; !stop.get() && (k = next.getAndIncrement()) < batches;) {
                    try {
                        done.set(k, batch(examples, k)); // each index set by one caller, seen here after its Future.get
                    } catch (RuntimeException | Error e) {
                        stop.set(true);
                        throw e;
                    }
                }
                return null;
            }));
        }
        RuntimeException failed = null;
        for (Future<?> f : parts) {
            try {
                f.get();
            } catch (ExecutionException e) {
                // the first failure as it was thrown (a bad input names its file and line), after every caller is done
                Throwable t = e.getCause();
                if (t instanceof Error err) {
                    throw err;
                }
                failed = failed != null ? failed : t instanceof RuntimeException r ? r : new IllegalStateException(t);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                parts.forEach(x -> x.cancel(true));
                throw new IllegalStateException("interrupted while predicting", e);
            }
        }
        if (failed != null) {
            throw failed;
        }
        List<Prediction> out = new ArrayList<>(examples.size());
        done.forEach(out::addAll);
        return out;
    }

    /** Encodes, runs and decodes batch {@code k} of {@code examples}. */
    private List<Prediction> batch(List<Example> examples, int k) {
        List<Example> batch = examples.subList(k * batchSize, Math.min(examples.size(), (k + 1) * batchSize));
        HostTensor y = compiled.predict(encoder.encode(batch, false, 0), model.manifest().predictionOutput());
        int c = (int) y.shape().dim(1);
        float[] v = y.floats();
        List<Prediction> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(decode(batch.get(i).source(), v, i * c, c));
        }
        return out;
    }

    /** The callers' threads: daemons, each given its share of the engine's threads before its first batch. */
    private synchronized ExecutorService pool() {
        if (closed) {
            throw new IllegalStateException("the predictor is closed (its engine resources are freed); open another one");
        }
        if (pool == null) {
            AtomicInteger id = new AtomicInteger();
            pool = Executors.newFixedThreadPool(callers, r -> {
                Thread t = new Thread(() -> {
                    try {
                        engine.shareThreads(callers);
                    } catch (RuntimeException e) {
                        Logger.getLogger(Predictor.class.getName()).log(Level.WARNING,
                                "prediction thread: the engine's thread share failed; it runs with the engine's setting", e);
                    }
                    r.run();
                }, "graft-predict-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** Raw output rows (probabilities or values), [N][outputs]. */
    public float[][] scores(List<Example> examples) {
        List<Prediction> p = predict(examples);
        float[][] out = new float[p.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[p.get(i).scores().size()];
            int j = 0;
            for (double d : p.get(i).scores().values()) {
                out[i][j++] = (float) d;
            }
        }
        return out;
    }

    private List<Prediction> vote(List<Example> examples) {
        List<List<Prediction>> each = new ArrayList<>();
        members.forEach(p -> each.add(p.predict(examples)));
        double[] w = model.members().stream().mapToDouble(TrainedModel.Member::weight).toArray();
        List<String> labels = model.labels().labels();
        List<Prediction> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            List<Map<String, Double>> scores = new ArrayList<>();
            for (List<Prediction> p : each) {
                scores.add(p.get(i).scores());
            }
            double[] avg = SoftVote.average(labels, scores, w);
            out.add(new Prediction(examples.get(i).source(), labels.get(SoftVote.argmax(avg)), SoftVote.byLabel(labels, avg)));
        }
        return out;
    }

    private Prediction decode(String source, float[] v, int off, int c) {
        List<String> labels = model.labels().labels();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (int j = 0; j < c; j++) {
            scores.put(labels.get(j), (double) v[off + j]);
        }
        Task task = model.labels().task();
        String label;
        if (task == Task.CLASSIFICATION) {
            int arg = 0;
            for (int j = 1; j < c; j++) {
                if (v[off + j] > v[off + arg]) {
                    arg = j;
                }
            }
            label = labels.get(arg);
        } else if (task == Task.MULTI_LABEL) {
            List<String> on = new ArrayList<>();
            for (int j = 0; j < c; j++) {
                if (v[off + j] >= 0.5f) {
                    on.add(labels.get(j));
                }
            }
            label = String.join("|", on);
        } else {
            List<String> vals = new ArrayList<>();
            for (int j = 0; j < c; j++) {
                vals.add(String.format(Locale.ROOT, "%.6g", v[off + j]));
            }
            label = String.join("|", vals);
        }
        return new Prediction(source, label, scores);
    }

    @Override
    public void close() {
        if (!members.isEmpty()) {
            RuntimeException first = null;
            for (Predictor p : members) {
                try {
                    p.close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
            return;
        }
        synchronized (this) {
            closed = true;
            if (pool != null) {
                pool.shutdownNow();
                pool = null;
            }
        }
        try {
            compiled.close();
        } finally {
            encoder.close();
        }
    }
}
