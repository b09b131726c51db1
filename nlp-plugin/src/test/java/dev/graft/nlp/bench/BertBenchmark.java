package dev.graft.nlp.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.nlp.BertBatch;
import dev.graft.nlp.BertConfig;
import dev.graft.nlp.BertEncoder;
import dev.graft.nlp.BertWeights;
import dev.graft.nlp.PretrainedBert;
import dev.graft.nlp.TextTokenizer;
import dev.graft.weights.TensorBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * BERT-Base throughput on this machine: feature extraction (sequences/s at 128 tokens, and with
 * dynamic padding on real short sentences) and fine-tuning steps, through Graft (its own BERT
 * definition compiled by the TensorFlow engine, and the opaque SavedModel through DJL) against the
 * same SavedModel graph run directly with TensorFlow Java. Prints a Markdown table.
 *
 * <p>Run: {@code java -cp <nlp-plugin test class path> dev.graft.nlp.bench.BertBenchmark [batch] [iterations] [rounds]}
 */
public final class BertBenchmark {
    private BertBenchmark() {
    }


    /** {@code batch} sentences of the test data, WordPiece-encoded for BERT-Base uncased (at most 128 tokens). */
    static List<BertBatch.Sequence> sentences(int batch) throws Exception {
        List<String> texts = new ArrayList<>();
        Path data = Path.of(BertBenchmark.class.getClassLoader().getResource("data/sentiment.csv").toURI());
        for (String line : Files.readAllLines(data).subList(1, 49)) {
            texts.add(line.substring(0, line.lastIndexOf(',')).replace("\"", ""));
        }
        List<BertBatch.Sequence> seqs = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.wordPiece(PretrainedBert.vocab(), true, 128)) {
            for (int i = 0; i < batch; i++) {
                seqs.add(tok.encode(texts.get(i % texts.size())));
            }
        }
        return seqs;
    }

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = PretrainedBert.savedModelDir();
        BertConfig c = BertConfig.bertBaseUncasedGoogle();
        List<BertBatch.Sequence> seqs = sentences(batch);
        Map<String, HostTensor> in128 = BertBatch.tensorsOfLength(c, seqs, 128);
        Map<String, HostTensor> inDynamic = BertBatch.tensors(c, seqs, 8);
        long dynLen = inDynamic.get(BertEncoder.INPUT_IDS).shape().dim(1);
        Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");
        List<Bench> benches = new ArrayList<>();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            // 1. the SavedModel graph directly through TensorFlow Java
            SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve");
            open.add(b);
            Signature sig = b.signatures().stream().filter(s -> s.key().equals("serving_default")).findFirst().orElseThrow();
            Map<String, TInt32> feeds = new LinkedHashMap<>();
            for (String k : List.of("input_ids", "input_mask", "segment_ids")) {
                TInt32 t = ints(in128.get(k));
                open.add(t);
                feeds.put(sig.getInputs().get(k).name, t);
            }
            String pooledName = sig.getOutputs().get("pooled_output").name;
            Session s = b.session();
            benches.add(new Bench(FE, "TensorFlow Java, SavedModel session (baseline)", () -> {
                Session.Runner r = s.runner().fetch(pooledName);
                feeds.forEach(r::feed);
                try (Result res = r.run()) {
                    return res.size();
                }
            }));
            // 2. the same SavedModel through Graft's engine (DJL predictor)
            SavedModel sm = engine.openSavedModel(dir, "serve", dev.graft.engine.spi.SavedModelOptions.trustedModel());
            open.add(sm);
            Map<String, HostTensor> feed = Map.of("input_ids", in128.get(BertEncoder.INPUT_IDS), "input_mask",
                    in128.get(BertEncoder.INPUT_MASK), "segment_ids", in128.get(BertEncoder.SEGMENT_IDS));
            benches.add(new Bench(FE, "Graft, opaque SavedModel backbone (DJL predictor)",
                    () -> sm.run("serving_default", feed, List.of("pooled_output")).size()));
            // 3. Graft's own BERT definition with the imported weights
            Map<String, HostTensor> weights = BertWeights.fromGoogle(dir.toString(), TensorBundle.read(TensorBundle.prefixOf(dir),
                    n -> BertWeights.googleTarget(n) != null), c, "backbone", true).weights();
            CompiledModel inf = engine.compile(network(c, false), 1);
            open.add(inf);
            inf.setParameters(weights);
            benches.add(new Bench(FE, "Graft, own BERT definition", () -> inf.predict(in128, "pooled").size()));
            benches.add(new Bench(FE_DYN + dynLen + ")", "Graft, own BERT definition", () -> inf.predict(inDynamic, "pooled").size()));
            // fine-tuning: the baseline adds gradients to the loaded graph (no dropout, word embeddings not trained)
            benches.add(fineTuneDirect(b, feeds, pooledName));
            CompiledModel tr = engine.compile(network(c.withDropout(0, 0), true), 1);
            open.add(tr);
            tr.setParameters(weights);
            Map<String, HostTensor> train = new LinkedHashMap<>(in128);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % 2;
            }
            train.put("label", HostTensor.ofInts(labels, batch));
            Map<String, HostTensor> trainDyn = new LinkedHashMap<>(inDynamic);
            trainDyn.put("label", train.get("label"));
            TrainingConfig sgdSame = TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1e-5))
                    .withGroups(List.of(ParamGroup.frozen("word embeddings", "backbone.embeddings.word.**")));
            TrainingConfig adamAll = TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-5));
            benches.add(new Bench(FT, "Graft, own BERT definition, SGD, same variables as the baseline",
                    () -> tr.configureTraining(sgdSame), () -> tr.trainStep(train).step()));
            benches.add(new Bench(FT, "Graft, own BERT definition, Adam, every variable",
                    () -> tr.configureTraining(adamAll), () -> tr.trainStep(train).step()));
            benches.add(new Bench(FT_DYN + dynLen + ")", "Graft, own BERT definition, Adam, every variable",
                    () -> tr.configureTraining(adamAll), () -> tr.trainStep(trainDyn).step()));
            for (Bench x : benches) {
                x.setup.run();
                x.run.get();
            }
            double[] best = new double[benches.size()];
            double[] bestCpu = new double[benches.size()];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            java.util.Arrays.fill(bestCpu, Double.MAX_VALUE);
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < benches.size(); i++) {
                    benches.get(i).setup.run();
                    double cpu0 = cpuSeconds();
                    double t = benches.get(i).time(iters);
                    double cpu = (cpuSeconds() - cpu0) / iters;
                    best[i] = Math.min(best[i], t);
                    bestCpu[i] = Math.min(bestCpu[i], cpu);
                    System.out.printf("round %d: %s / %s: %.0f ms wall, %.0f ms CPU%n", round + 1, benches.get(i).what,
                            benches.get(i).how, t * 1000, cpu * 1000);
                }
            }
            System.out.printf("%nBERT-Base, batch %d, best of %d rounds of %d timed batches (after a warm-up), %s, %d cores, "
                    + "load average at the end %s%n%n", batch, rounds, iters, engine.version(),
                    Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            System.out.println("| workload | path | wall time per batch | sequences/s | CPU time per batch |");
            System.out.println("| --- | --- | ---: | ---: | ---: |");
            for (int i = 0; i < benches.size(); i++) {
                System.out.printf("| %s | %s | %.0f ms | %.1f | %.0f ms |%n", benches.get(i).what, benches.get(i).how,
                        best[i] * 1000, batch / best[i], bestCpu[i] * 1000);
            }
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
        }
    }

    private static final String FE = "feature extraction, 128 tokens";
    private static final String FE_DYN = "feature extraction, real sentences (dynamic padding to ";
    private static final String FT = "fine-tuning step, 128 tokens";
    private static final String FT_DYN = "fine-tuning step, real sentences (dynamic padding to ";

    /** CPU time of every thread of this process (Java and native), from /proc/self/stat. */
    static double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One timed workload, with untimed set-up before each round. */
    record Bench(String what, String how, Runnable setup, Supplier<Object> run) {
        Bench(String what, String how, Supplier<Object> run) {
            this(what, how, () -> { }, run);
        }

        double time(int iters) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                run.get();
            }
            return (System.nanoTime() - t0) / 1e9 / iters;
        }
    }

    /** BERT (scope backbone) with a 2-class linear head; with the loss when {@code training}. */
    static Network network(BertConfig c, boolean training) {
        NetworkBuilder b = new NetworkBuilder();
        Map<String, Node> in = BertEncoder.declareInputs(b, c);
        Node pooled;
        try (NetworkBuilder.Scope s = b.scope("backbone")) {
            pooled = BertEncoder.build(b, c, in).pooled();
        }
        b.output("pooled", pooled);
        if (training) {
            Node logits = Layers.dense(b, "head", pooled, 2, true, Initializer.glorotUniform());
            b.loss("loss", b.softmaxCrossEntropy(logits, b.input("label", DType.INT32, -1)));
        }
        return b.build();
    }

    /** Forward, gradients of every BERT variable and a plain SGD update, added to the loaded SavedModel graph. */
    static Bench fineTuneDirect(SavedModelBundle b, Map<String, TInt32> feeds, String pooledName) {
        Ops tf = Ops.create(b.graph()).withSubScope("bench_train");
        @SuppressWarnings("unchecked")
        Output<TFloat32> pooled = (Output<TFloat32>) b.graph().outputOrThrow(pooledName);
        Output<TFloat32> loss = tf.math.mean(tf.math.square(pooled), tf.constant(new int[] {0, 1})).asOutput();
        List<Output<?>> reads = new ArrayList<>();
        List<Output<?>> handles = new ArrayList<>();
        for (Iterator<GraphOperation> it = b.graph().operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (op.type().equals("ReadVariableOp") && op.name().startsWith("module_apply_tokens/bert/")
                    && !op.name().endsWith("/Read/ReadVariableOp") && !op.name().contains("word_embeddings")) {
                reads.add(op.output(0));
                handles.add(op.input(0));
            }
        }
        Output<?>[] grads = b.graph().addGradients(loss, reads.toArray(Output[]::new));
        List<org.tensorflow.op.Op> updates = new ArrayList<>();
        for (int i = 0; i < grads.length; i++) {
            @SuppressWarnings("unchecked")
            Output<TFloat32> g = (Output<TFloat32>) grads[i];
            updates.add(tf.train.resourceApplyGradientDescent(handles.get(i), tf.constant(1e-5f), g));
        }
        Session s = b.session();
        return new Bench(FT, "TensorFlow Java, gradients added to the SavedModel graph, SGD ("
                + reads.size() + " variables, baseline)", () -> {
                    Session.Runner r = s.runner().fetch(loss);
                    feeds.forEach(r::feed);
                    updates.forEach(u -> r.addTarget(u.op()));
                    try (Result res = r.run()) {
                        return res.size();
                    }
                });
    }

    static TInt32 ints(HostTensor t) {
        return TInt32.tensorOf(Shape.of(t.shape().dims()), DataBuffers.of(t.ints(), true, false));
    }

}
