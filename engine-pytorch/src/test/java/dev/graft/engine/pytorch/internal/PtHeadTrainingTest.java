package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A dense head with softmax cross-entropy trained on the PyTorch engine against a plain-Java
 * computation of the same steps (logits, softmax, the loss, its gradient, its global norm,
 * clipping, Adam as OptimizerSpec documents it). Batches change from step to step, and their
 * size once, so that inputs kept between steps must be refilled and remade, not reused stale.
 */
class PtHeadTrainingTest {
    private static final int IN = 6;
    private static final int C = 4;

    private static Network head(boolean classIndices) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, IN);
        Node y = classIndices ? b.input("y", DType.INT32, -1) : b.input("y", DType.FLOAT32, -1, C);
        Node logits = Layers.dense(b, "head", x, C);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    /** Plain-Java state of the head: kernel [IN][C], bias [C], and Adam's slots. */
    private static final class Ref {
        final double[][] w = new double[IN][C];
        final double[] bias = new double[C];
        final double[][] mw = new double[IN][C];
        final double[][] vw = new double[IN][C];
        final double[] mb = new double[C];
        final double[] vb = new double[C];
        double loss;
        double norm;
        double[][] gw;
        double[] gb;

        Ref(Map<String, HostTensor> params) {
            float[] k = param(params, 2);
            float[] bb = param(params, 1);
            for (int i = 0; i < IN; i++) {
                for (int j = 0; j < C; j++) {
                    w[i][j] = k[i * C + j];
                }
            }
            for (int j = 0; j < C; j++) {
                bias[j] = bb[j];
            }
        }

        /** Loss, gradients and their global norm for a batch with probability labels y [n][C]. */
        void gradients(float[] x, double[][] y, int n) {
            gw = new double[IN][C];
            gb = new double[C];
            loss = 0;
            for (int r = 0; r < n; r++) {
                double[] z = new double[C];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < C; j++) {
                    z[j] = bias[j];
                    for (int i = 0; i < IN; i++) {
                        z[j] += x[r * IN + i] * w[i][j];
                    }
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (int j = 0; j < C; j++) {
                    sum += Math.exp(z[j] - max);
                }
                for (int j = 0; j < C; j++) {
                    double logp = z[j] - max - Math.log(sum);
                    loss -= y[r][j] * logp / n;
                    double d = (Math.exp(logp) - y[r][j]) / n;
                    gb[j] += d;
                    for (int i = 0; i < IN; i++) {
                        gw[i][j] += x[r * IN + i] * d;
                    }
                }
            }
            double sq = 0;
            for (int j = 0; j < C; j++) {
                sq += gb[j] * gb[j];
                for (int i = 0; i < IN; i++) {
                    sq += gw[i][j] * gw[i][j];
                }
            }
            norm = Math.sqrt(sq);
        }

        void adam(OptimizerSpec.Adam a, double lr, long step, double clip) {
            double scale = clip > 0 ? clip / Math.max(norm, clip) : 1;
            double lrT = lr * Math.sqrt(1 - Math.pow(a.beta2(), step + 1)) / (1 - Math.pow(a.beta1(), step + 1));
            for (int j = 0; j < C; j++) {
                double g = gb[j] * scale;
                mb[j] = a.beta1() * mb[j] + (1 - a.beta1()) * g;
                vb[j] = a.beta2() * vb[j] + (1 - a.beta2()) * g * g;
                bias[j] -= lrT * mb[j] / (Math.sqrt(vb[j]) + a.epsilon());
                for (int i = 0; i < IN; i++) {
                    g = gw[i][j] * scale;
                    mw[i][j] = a.beta1() * mw[i][j] + (1 - a.beta1()) * g;
                    vw[i][j] = a.beta2() * vw[i][j] + (1 - a.beta2()) * g * g;
                    w[i][j] -= lrT * mw[i][j] / (Math.sqrt(vw[i][j]) + a.epsilon());
                }
            }
        }

        void assertMatches(Map<String, HostTensor> params, String when) {
            float[] k = param(params, 2);
            float[] bb = param(params, 1);
            for (int j = 0; j < C; j++) {
                assertThat((double) bb[j]).as(when + ": bias " + j).isCloseTo(bias[j], within(2e-5));
                for (int i = 0; i < IN; i++) {
                    assertThat((double) k[i * C + j]).as(when + ": kernel " + i + "," + j).isCloseTo(w[i][j], within(2e-5));
                }
            }
        }
    }

    /** The head's kernel (rank 2) or bias (rank 1): the network has one of each. */
    private static float[] param(Map<String, HostTensor> params, int rank) {
        return params.values().stream().filter(h -> h.shape().rank() == rank).findFirst().orElseThrow().floats();
    }

    private static float[] features(SplittableRandom r, int n) {
        float[] x = new float[n * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * r.nextGaussian());
        }
        return x;
    }

    @Test
    void classIndicesAndProbabilityLabelsGiveThePlainJavaLossGradientAndNorm() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 9;
        float[] x = features(r, n);
        int[] classes = new int[n];
        float[] soft = new float[n * C];
        double[][] oneHot = new double[n][C];
        double[][] probs = new double[n][C];
        for (int i = 0; i < n; i++) {
            classes[i] = r.nextInt(C);
            oneHot[i][classes[i]] = 1;
            double total = 0;
            for (int j = 0; j < C; j++) {
                probs[i][j] = r.nextDouble();
                total += probs[i][j];
            }
            for (int j = 0; j < C; j++) {
                soft[i * C + j] = (float) (probs[i][j] / total);
                probs[i][j] = soft[i * C + j];
            }
        }
        for (boolean indices : new boolean[] {true, false}) {
            try (CompiledModel m = new ServiceLoaderEngineRegistry().get("pytorch").compile(head(indices), 5)) {
                Ref ref = new Ref(m.parameters());
                // plain SGD with learning rate 1: the parameters move by minus the gradient
                m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0), LearningRateSchedule.constant(1)));
                HostTensor y = indices ? HostTensor.ofInts(classes, n) : HostTensor.of(soft, n, C);
                StepResult res = m.trainStep(Map.of("x", HostTensor.of(x, n, IN), "y", y));
                ref.gradients(x, indices ? oneHot : probs, n);
                String what = indices ? "class indices" : "probability labels";
                assertThat(res.loss()).as(what + ": loss").isCloseTo(ref.loss, within(1e-5));
                assertThat(res.gradientNorm()).as(what + ": gradient norm").isCloseTo(ref.norm, within(1e-5));
                for (int j = 0; j < C; j++) {
                    ref.bias[j] -= ref.gb[j];
                    for (int i = 0; i < IN; i++) {
                        ref.w[i][j] -= ref.gw[i][j];
                    }
                }
                ref.assertMatches(m.parameters(), what);
            }
        }
    }

    @Test
    void adamWithClippingOverChangingBatchesMatchesPlainJava() {
        SplittableRandom r = new SplittableRandom(12);
        OptimizerSpec.Adam adam = (OptimizerSpec.Adam) OptimizerSpec.adam();
        double lr = 0.05;
        double clip = 0.3;
        try (CompiledModel cm = new ServiceLoaderEngineRegistry().get("pytorch").compile(head(true), 6)) {
            PtCompiledModel m = (PtCompiledModel) cm;
            Ref ref = new Ref(m.parameters());
            m.configureTraining(TrainingConfig.of(adam, LearningRateSchedule.constant(lr)).withClipGlobalNorm(clip));
            int clipped = 0;
            for (int step = 0; step < 8; step++) {
                int n = step < 5 ? 8 : 5;
                float[] x = features(r, n);
                int[] classes = new int[n];
                double[][] oneHot = new double[n][C];
                for (int i = 0; i < n; i++) {
                    classes[i] = r.nextInt(C);
                    oneHot[i][classes[i]] = 1;
                }
                StepResult res = m.trainStep(Map.of("x", HostTensor.of(x, n, IN), "y", HostTensor.ofInts(classes, n)));
                ref.gradients(x, oneHot, n);
                assertThat(res.loss()).as("loss at step " + step).isCloseTo(ref.loss, within(2e-5));
                assertThat(res.gradientNorm()).as("gradient norm at step " + step).isCloseTo(ref.norm, within(2e-5));
                clipped += ref.norm > clip ? 1 : 0;
                ref.adam(adam, lr, step, clip);
                ref.assertMatches(m.parameters(), "after step " + step);
            }
            assertThat(clipped).as("steps whose gradients were clipped").isGreaterThan(2);
            // a new configuration frees the tensors the previous one kept between steps
            int held = m.liveTensorCount();
            m.configureTraining(TrainingConfig.of(adam, LearningRateSchedule.constant(lr)));
            m.trainStep(Map.of("x", HostTensor.of(features(r, 5), 5, IN), "y", HostTensor.ofInts(new int[] {0, 1, 2, 3, 0}, 5)));
            assertThat(m.liveTensorCount()).as("tensors after reconfiguring").isEqualTo(held);
        }
    }
}
