package dev.graft.engine.pytorch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every tensor a call creates is freed when the call returns: long runs do not grow memory. */
class PtMemoryTest {
    @Test
    void trainingAndPredictionLeaveNoTensorsBehindAndNativeMemoryStaysFlat() throws Exception {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8, 8, 3);
        Node y = b.input("y", DType.INT32, -1);
        Node h = b.relu(Layers.batchNorm(b, "bn", Layers.conv2d(b, "conv", x, 16, 3, 1, "SAME", false)));
        h = b.maxPool(h, new int[] {2, 2}, new int[] {2, 2}, "SAME");
        h = b.dropout(b.reshape(h, -1, 4 * 4 * 16), 0.3);
        Node logits = Layers.dense(b, "out", b.gelu(Layers.dense(b, "fc", h, 64)), 4);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        float[] xs = PtOpsTest.random(1, 16 * 8 * 8 * 3);
        int[] ys = new int[16];
        for (int i = 0; i < ys.length; i++) {
            ys[i] = i % 4;
        }
        Map<String, HostTensor> batch = Map.of("x", HostTensor.of(xs, 16, 8, 8, 3), "y", HostTensor.ofInts(ys, 16));
        try (CompiledModel cm = new ServiceLoaderEngineRegistry().get("pytorch").compile(b.build(), 1)) {
            PtCompiledModel m = (PtCompiledModel) cm;
            m.configureTraining(TrainingConfig.of(OptimizerSpec.adamW(0.01), LearningRateSchedule.constant(1e-3))
                    .withClipGlobalNorm(1.0));
            Runnable work = () -> {
                m.trainStep(batch);
                m.predict(batch, "logits");
                m.parameters();
            };
            for (int i = 0; i < 20; i++) {
                work.run();
            }
            int tensors = m.liveTensorCount();
            long[] native0 = {0};
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 60; i++) {
                    work.run();
                }
                long nativeKb = nativeKb();
                System.out.println("round " + round + ": resident memory outside the Java heap " + nativeKb + " kB");
                if (round == 1) {
                    native0[0] = nativeKb;
                }
                if (round == 2) {
                    assertThat(nativeKb - native0[0]).as("native memory growth in kB over 60 steps").isLessThan(8 * 1024);
                }
            }
            assertThat(m.liveTensorCount()).as("tensors held after 180 more steps").isEqualTo(tensors);
            // parameters (9) + AdamW slots (2 per trained parameter: all but the moving statistics) + the training
            // step's kept tensors, refilled in place each step (x, y, and y's INT64 column for the loss's gather),
            // and the backward pass's seed
            assertThat(tensors).isEqualTo(9 + 2 * 7 + 3 + 1);
        }
    }

    /** Resident memory minus the Java heap the JVM has committed. */
    private static long nativeKb() throws Exception {
        System.gc();
        Thread.sleep(200);
        long committed = Runtime.getRuntime().totalMemory();
        return residentKb() - committed / 1024;
    }

    private static long residentKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
