package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;
import java.util.Arrays;
import java.util.Random;
import java.util.ServiceLoader;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * One {@code [m x k] x [k x n]} matrix product (default BERT-Base's 1024 x 768 x 768: batch 8 x
 * 128 tokens through one 768 x 768 projection) in raw TensorFlow, four ways, interleaved: fp32;
 * fp32 under grappler's oneDNN bfloat16 auto mixed precision; bf16 inputs cast in the graph
 * (fp32 in, bf16 product, fp32 out); and a pure bf16 product of bf16 inputs fed as such. Each
 * timed call runs a chain of {@code bench.reps} products in one {@code Session.run} (each of the
 * previous result, times B, then B transposed when B is not square), so that the per-run overhead
 * does not count and nothing but products is timed. Prints GFLOP/s per wall and per CPU second.
 *
 * <p>Run with {@code ONEDNN_VERBOSE=1} to see which oneDNN kernel each product uses.
 *
 * <pre>
 * java -Xmx1g -Dbench.threads=1 -cp engine-tensorflow/target/test-classes:engine-tensorflow/target/classes:$(cat engine-tensorflow/target/bench.cp) \
 *     dev.graft.engine.tensorflow.bench.MatMulPrecisionBenchmark
 * </pre>
 */
public final class MatMulPrecisionBenchmark {
    private MatMulPrecisionBenchmark() {
    }

    public static void main(String[] args) {
        int m = Integer.getInteger("bench.m", 1024);
        int k = Integer.getInteger("bench.k", 768);
        int n = Integer.getInteger("bench.n", 768);
        int reps = Integer.getInteger("bench.reps", 10);
        int rounds = Integer.getInteger("bench.rounds", 7);
        int threads = Integer.getInteger("bench.threads", 1);
        // loads the native library the way the engine does
        ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("tensorflow")).findFirst().orElseThrow().create(EngineSettings.defaults());
        Random r = new Random(1);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (r.nextGaussian() / Math.sqrt(Math.max(k, n)));
        }
        String[] names = {"fp32", "fp32+grappler-bf16", "bf16 cast in graph", "bf16 fed"};
        Case[] cases = new Case[names.length];
        for (int c = 0; c < cases.length; c++) {
            cases[c] = new Case(c, m, k, n, reps, threads, a, b);
        }
        double flops = 2.0 * m * k * n * reps;
        double[][] wall = new double[cases.length][rounds];
        double[][] cpu = new double[cases.length][rounds];
        for (Case c : cases) {
            c.run();
            c.run();
        }
        for (int round = 0; round < rounds; round++) {
            for (int j = 0; j < cases.length; j++) {
                int c = (round % 2 == 0) ? j : cases.length - 1 - j;
                long w0 = System.nanoTime();
                long c0 = cpuNanos();
                cases[c].run();
                cpu[c][round] = (cpuNanos() - c0) / 1e6;
                wall[c][round] = (System.nanoTime() - w0) / 1e6;
            }
        }
        System.out.printf("%d x %d x %d matmul, %d per run, %d intra-op thread(s), load average %s%n", m, k, n, reps, threads,
                loadAverage());
        double base = median(cpu[0]);
        for (int c = 0; c < cases.length; c++) {
            double mw = median(wall[c]);
            double mc = median(cpu[c]);
            System.out.printf("  %-20s %8.2f ms wall %8.2f ms CPU per product | %6.1f GFLOP/s wall %6.1f GFLOP/s per CPU-s | x%.2f CPU vs fp32"
                    + " | max |diff| vs fp32 / max |fp32| %.3g%n", names[c], mw / reps, mc / reps, flops / mw / 1e6, flops / mc / 1e6, base / mc,
                    cases[c].maxDiff(cases[0]));
        }
        for (Case c : cases) {
            c.close();
        }
    }

    private static final class Case implements AutoCloseable {
        final Graph g = new Graph();
        final Session s;
        final Placeholder<?> pa;
        final Placeholder<?> pb;
        final Tensor ta;
        final Tensor tb;
        final Operand<TFloat32> out;
        float[] last;

        Case(int kind, int m, int k, int n, int reps, int threads, float[] a, float[] b) {
            Ops tf = Ops.create(g);
            boolean fedBf16 = kind == 3;
            if (fedBf16) {
                pa = tf.placeholder(TBfloat16.class, Placeholder.shape(Shape.of(m, k)));
                pb = tf.placeholder(TBfloat16.class, Placeholder.shape(Shape.of(k, n)));
                ta = TBfloat16.tensorOf(Shape.of(m, k), DataBuffers.of(a, true, false));
                tb = TBfloat16.tensorOf(Shape.of(k, n), DataBuffers.of(b, true, false));
            } else {
                pa = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k)));
                pb = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n)));
                ta = TFloat32.tensorOf(Shape.of(m, k), DataBuffers.of(a, true, false));
                tb = TFloat32.tensorOf(Shape.of(k, n), DataBuffers.of(b, true, false));
            }
            // a chain of products, each of the previous one's result (x B, then x B^T when B is not square), so that
            // nothing but matrix products is timed and none can be pruned or computed at once
            if (kind == 2 || kind == 3) {
                @SuppressWarnings("unchecked")
                Operand<TBfloat16> x = kind == 2 ? tf.dtypes.cast((Operand<TFloat32>) pa, TBfloat16.class) : (Operand<TBfloat16>) pa;
                @SuppressWarnings("unchecked")
                Operand<TBfloat16> w = kind == 2 ? tf.dtypes.cast((Operand<TFloat32>) pb, TBfloat16.class) : (Operand<TBfloat16>) pb;
                for (int i = 0; i < reps; i++) {
                    x = tf.linalg.matMul(x, w, MatMul.transposeB(k != n && i % 2 == 1));
                }
                out = tf.dtypes.cast(x, TFloat32.class);
            } else {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> x = (Operand<TFloat32>) pa;
                @SuppressWarnings("unchecked")
                Operand<TFloat32> w = (Operand<TFloat32>) pb;
                for (int i = 0; i < reps; i++) {
                    x = tf.linalg.matMul(x, w, MatMul.transposeB(k != n && i % 2 == 1));
                }
                out = x;
            }
            ConfigProto.Builder cfg = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
            if (kind == 1) {
                cfg.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
                        RewriterConfig.newBuilder().setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)));
            }
            s = new Session(g, cfg.build());
        }

        void run() {
            try (var res = s.runner().feed(pa, ta).feed(pb, tb).fetch(out).run()) {
                TFloat32 t = (TFloat32) res.get(0);
                float[] v = new float[(int) t.size()];
                t.copyTo(DataBuffers.of(v, false, false));
                last = v;
            }
        }

        double maxDiff(Case ref) {
            double d = 0;
            double scale = 0;
            for (int i = 0; i < last.length; i++) {
                d = Math.max(d, Math.abs(last[i] - ref.last[i]));
                scale = Math.max(scale, Math.abs(ref.last[i]));
            }
            return d / scale;
        }

        @Override
        public void close() {
            s.close();
            g.close();
            ta.close();
            tb.close();
        }
    }

    static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
