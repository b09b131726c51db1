package dev.graft.engine.tensorflow.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.Random;

/**
 * CPU time of a training step of one BERT-Base layer (hidden 768, 12 heads, feed-forward 3072, tanh GELU; batch 8 x 128
 * tokens, the 1024 rows of BERT-Base's batch 16 x 64) with the feed-forward GELU recomputed in the backward pass and
 * with the lean lowering that keeps its output and derivative ({@code -Dgraft.tf.recomputeGelu=false} when the
 * training graph is built). Both models step in every round, in alternating order, so load on a shared machine falls
 * on both. Options: {@code -Dbench.rounds=9 -Dbench.steps=5 -Dbench.warmup=5}. Run with
 * {@code mvn -q -pl engine-tensorflow -am test-compile -Pbench -Dbench.main=dev.graft.engine.tensorflow.bench.GeluRecomputeBenchmark}.
 */
public final class GeluRecomputeBenchmark {
    private GeluRecomputeBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = Integer.getInteger("bench.rounds", 9);
        int steps = Integer.getInteger("bench.steps", 5);
        int warmup = Integer.getInteger("bench.warmup", 5);
        Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");
        Network net = BenchNetworks.transformer(768, 12, 3072, true);
        Random r = new Random(7);
        int bt = BenchNetworks.TRANSFORMER_BATCH;
        float[] x = new float[bt * BenchNetworks.SEQ * 768];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] y = new int[bt];
        for (int i = 0; i < bt; i++) {
            y[i] = i % 2;
        }
        Map<String, HostTensor> batch = Map.of("x", HostTensor.of(x, bt, BenchNetworks.SEQ, 768), "y", HostTensor.ofInts(y, bt));
        TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(1e-4));
        try (CompiledModel recomputed = engine.compile(net, 1); CompiledModel lean = engine.compile(net, 1)) {
            recomputed.configureTraining(cfg);
            System.setProperty("graft.tf.recomputeGelu", "false");
            try {
                lean.configureTraining(cfg);
            } finally {
                System.clearProperty("graft.tf.recomputeGelu");
            }
            for (int i = 0; i < warmup; i++) {
                recomputed.trainStep(batch);
                lean.trainStep(batch);
            }
            double[] wa = new double[rounds];
            double[] ca = new double[rounds];
            double[] wb = new double[rounds];
            double[] cb = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                TrainingThroughputBenchmark.alternate(k, () -> recomputed.trainStep(batch), () -> lean.trainStep(batch), steps, wa, ca,
                        wb, cb);
                System.out.printf("  round %d: CPU ms/step recomputed %.1f, lean %.1f; wall %.1f, %.1f%n", k, ca[k], cb[k], wa[k], wb[k]);
            }
            System.out.printf("one BERT-Base layer, batch %d x %d, Adam: CPU ms/step (all threads), median: recomputed GELU %.1f,"
                    + " lean %.1f (%+.1f%%; median of per-round ratios %+.1f%%); wall ms/step median %.1f, %.1f%n", bt,
                    BenchNetworks.SEQ, TrainingThroughputBenchmark.median(ca), TrainingThroughputBenchmark.median(cb),
                    (TrainingThroughputBenchmark.median(ca) / TrainingThroughputBenchmark.median(cb) - 1) * 100,
                    (TrainingThroughputBenchmark.ratioMedian(ca, cb) - 1) * 100, TrainingThroughputBenchmark.median(wa),
                    TrainingThroughputBenchmark.median(wb));
        }
    }
}
