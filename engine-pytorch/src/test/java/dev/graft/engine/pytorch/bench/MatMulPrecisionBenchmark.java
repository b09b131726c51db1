package dev.graft.engine.pytorch.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;
import java.util.Arrays;
import java.util.Random;
import java.util.ServiceLoader;

/**
 * One {@code [m x k] x [k x n]} matrix product (default 1024 x 768 x 768, one BERT-Base projection
 * of 8 x 128 tokens) on DJL's PyTorch runtime: fp32, and with {@code -Dbench.bf16=true} bf16
 * tensors made once and bf16 with both operands cast from fp32 on every call (DJL 0.36 aborts
 * the JVM on the first bfloat16 tensor, which is what that flag shows).
 * With {@code -Dbench.conv=true} instead: the same product as a 1x2 convolution of stride 2 (which PyTorch hands to
 * oneDNN rather than MKL), with its kernel made once and made on every call.
 * Median wall and CPU milliseconds per product and GFLOP/s. Run with {@code ONEDNN_VERBOSE=1} to
 * see the oneDNN kernels.
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -Xmx1g -Dgraft.threads=1 -cp engine-pytorch/target/test-classes:engine-pytorch/target/classes:$(cat engine-pytorch/target/bench.cp) \
 *     dev.graft.engine.pytorch.bench.MatMulPrecisionBenchmark
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
        ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("pytorch")).findFirst().orElseThrow().create(EngineSettings.fromEnvironment());
        Random r = new Random(1);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian() * 0.03f;
        }
        try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
            NDArray af = mgr.create(a, new Shape(m, k));
            NDArray bf = mgr.create(b, new Shape(k, n));
            boolean bf16 = Boolean.getBoolean("bench.bf16");
            boolean conv = Boolean.getBoolean("bench.conv");
            String[] names = bf16 ? new String[] {"fp32", "bf16 operands", "bf16 cast per call"}
                    : conv ? new String[] {"fp32", "conv 1x2 /2 (oneDNN)", "conv, kernel made per call"} : new String[] {"fp32"};
            // the product as a 1x2 convolution of stride 2 over [1, 1, 2m, k/2] (channels last: a view of a), kernel [n, k/2, 1, 2]
            NDArray xc = conv ? af.reshape(1, 1, 2L * m, k / 2).transpose(0, 3, 1, 2) : null;
            // channels last, the kernel is the product's transposed weight [n, k] (contiguous) seen as [n, 1, 2, k/2]
            java.util.function.Supplier<NDArray> kernel = () -> bf.transpose(1, 0).flatten().reshape(n, 1, 2, k / 2).transpose(0, 3, 1, 2);
            NDArray kc = conv ? kernel.get() : null;
            // DJL 0.36's JNI aborts the JVM ("terminate called without an active exception") on any bfloat16 tensor,
            // made by toType or created from a buffer: the bf16 cases are there to show it (-Dbench.bf16=true)
            NDArray ab = bf16 ? af.toType(DataType.BFLOAT16, false) : null;
            NDArray bb = bf16 ? bf.toType(DataType.BFLOAT16, false) : null;
            java.util.function.Supplier<NDArray>[] all = cast(new java.util.function.Supplier[] {
                () -> af.matMul(bf),
                () -> ai.djl.pytorch.jni.JniUtils.convolution((ai.djl.pytorch.engine.PtNDArray) xc, (ai.djl.pytorch.engine.PtNDArray) kc, null,
                        new Shape(1, 2), new Shape(0, 0), new Shape(1, 1), 1).transpose(0, 2, 3, 1).reshape(m, n),
                () -> ai.djl.pytorch.jni.JniUtils.convolution((ai.djl.pytorch.engine.PtNDArray) xc, (ai.djl.pytorch.engine.PtNDArray) kernel.get(), null,
                        new Shape(1, 2), new Shape(0, 0), new Shape(1, 1), 1).transpose(0, 2, 3, 1).reshape(m, n),
                () -> ab.matMul(bb),
                () -> af.toType(DataType.BFLOAT16, false).matMul(bf.toType(DataType.BFLOAT16, false)).toType(DataType.FLOAT32, false)});
            if (bf16) {
                all = cast(new java.util.function.Supplier[] {all[0], all[3], all[4]});
            }
            java.util.function.Supplier<NDArray>[] cases = Arrays.copyOf(all, names.length);
            float[][] results = new float[cases.length][];
            for (int c = 0; c < cases.length; c++) {
                try (NDManager sub = mgr.newSubManager()) {
                    NDArray o = cases[c].get();
                    o.attach(sub);
                    results[c] = o.toType(DataType.FLOAT32, false).toFloatArray();
                }
            }
            double[][] wall = new double[cases.length][rounds];
            double[][] cpu = new double[cases.length][rounds];
            for (int round = -1; round < rounds; round++) {
                for (int j = 0; j < cases.length; j++) {
                    int c = (round % 2 == 0) ? j : cases.length - 1 - j;
                    try (NDManager sub = mgr.newSubManager()) {
                        long w0 = System.nanoTime();
                        long c0 = cpuNanos();
                        for (int i = 0; i < reps; i++) {
                            NDArray o = cases[c].get();
                            o.attach(sub);
                        }
                        if (round >= 0) {
                            cpu[c][round] = (cpuNanos() - c0) / 1e6 / reps;
                            wall[c][round] = (System.nanoTime() - w0) / 1e6 / reps;
                        }
                    }
                }
            }
            double flops = 2.0 * m * k * n;
            System.out.printf("PyTorch %s: %d x %d x %d matmul, %d intra-op thread(s), load average %s%n", ai.djl.engine.Engine.getEngine("PyTorch").getVersion(),
                    m, k, n, ai.djl.pytorch.jni.JniUtils.getNumThreads(), loadAverage());
            for (int c = 0; c < cases.length; c++) {
                double mw = median(wall[c]);
                double mc = median(cpu[c]);
                double d = 0;
                for (int i = 0; i < results[c].length; i++) {
                    d = Math.max(d, Math.abs(results[c][i] - results[0][i]));
                }
                System.out.printf("  %-20s %8.2f ms wall %8.2f ms CPU per product | %6.1f GFLOP/s wall %6.1f per CPU-s | x%.2f CPU vs fp32 | max |diff| %.4g%n",
                        names[c], mw, mc, flops / mw / 1e6, flops / mc / 1e6, median(cpu[0]) / mc, d);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
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
