package dev.graft.engine.pytorch.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.EngineSettings;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;

/**
 * The tanh GELU on one BERT-Base feed-forward activation (default 1024 x 3072) through DJL's PyTorch ops, three
 * ways: the nine-op form with three allocations (what the inference pass did before), {@code x * sigmoid(2u)} in six
 * passes and two allocations, and the tanh form in place (eight passes, two allocations). Median CPU ms per call
 * and the largest difference from the nine-op form.
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -Xmx1g -Dgraft.threads=1 -cp engine-pytorch/target/test-classes:engine-pytorch/target/classes:$(cat engine-pytorch/target/bench.cp) \
 *     dev.graft.engine.pytorch.bench.GeluTanhBenchmark
 * </pre>
 */
public final class GeluTanhBenchmark {
    private static final float C = (float) 0.044715;
    private static final float K = (float) Math.sqrt(2 / Math.PI);

    private GeluTanhBenchmark() {
    }

    public static void main(String[] args) {
        int rows = Integer.getInteger("bench.m", 1024);
        int cols = Integer.getInteger("bench.n", 3072);
        int reps = Integer.getInteger("bench.reps", 20);
        int rounds = Integer.getInteger("bench.rounds", 7);
        ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("pytorch")).findFirst().orElseThrow().create(EngineSettings.fromEnvironment());
        float[] a = new float[rows * cols];
        Random r = new Random(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian() * 2;
        }
        String[] names = {"nine ops, three allocations", "x * sigmoid(2u), in place", "tanh form, in place"};
        java.util.List<UnaryOperator<NDArray>> cases = java.util.List.of(GeluTanhBenchmark::nineOps, GeluTanhBenchmark::sigmoidForm,
                GeluTanhBenchmark::tanhInPlace);
        try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
            NDArray x = mgr.create(a, new Shape(rows, cols));
            float[][] out = new float[cases.size()][];
            for (int c = 0; c < cases.size(); c++) {
                try (NDManager sub = mgr.newSubManager()) {
                    NDArray xi = x.duplicate();
                    xi.attach(sub);
                    out[c] = cases.get(c).apply(xi).toFloatArray();
                }
            }
            double[][] cpu = new double[cases.size()][rounds];
            for (int round = -1; round < rounds; round++) {
                for (int j = 0; j < cases.size(); j++) {
                    int c = (round % 2 == 0) ? j : cases.size() - 1 - j;
                    try (NDManager sub = mgr.newSubManager()) {
                        NDArray[] inputs = new NDArray[reps];
                        for (int i = 0; i < reps; i++) {
                            inputs[i] = x.duplicate();
                            inputs[i].attach(sub);
                        }
                        long c0 = MatMulPrecisionBenchmark.cpuNanos();
                        for (int i = 0; i < reps; i++) {
                            cases.get(c).apply(inputs[i]).close();
                        }
                        if (round >= 0) {
                            cpu[c][round] = (MatMulPrecisionBenchmark.cpuNanos() - c0) / 1e6 / reps;
                        }
                    }
                }
            }
            System.out.printf("tanh GELU on %d x %d, %d thread(s), load average %s%n", rows, cols, ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                    MatMulPrecisionBenchmark.loadAverage());
            for (int c = 0; c < cases.size(); c++) {
                double d = 0;
                for (int i = 0; i < out[c].length; i++) {
                    d = Math.max(d, Math.abs(out[c][i] - out[0][i]));
                }
                System.out.printf("  %-30s %7.2f ms CPU per call | max |diff| vs nine ops %.3g%n", names[c], MatMulPrecisionBenchmark.median(cpu[c]), d);
            }
        }
    }

    private static NDArray nineOps(NDArray x) {
        NDArray u = x.mul(x);
        u.muli(x).muli(C).addi(x).muli(K);
        NDArray t = u.tanh();
        u.close();
        t.addi(1f);
        NDArray y = x.mul(0.5f);
        y.muli(t);
        t.close();
        return y;
    }

    private static NDArray sigmoidForm(NDArray x) {
        NDArray u = x.square();
        u.muli((float) (2 * K * (double) C)).addi(2 * K).muli(x);
        NDArray gate = Activation.sigmoid(u);
        u.close();
        x.muli(gate);
        gate.close();
        return x;
    }

    private static NDArray tanhInPlace(NDArray x) {
        NDArray u = x.mul(x);
        u.muli(K * C).addi(K).muli(x);
        NDArray t = u.tanh();
        u.close();
        t.addi(1f);
        x.muli(t).muli(0.5f);
        t.close();
        return x;
    }
}
