package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adam's slots cost TensorFlow's pool their own size and nothing more: zero-initialising them leaves no constant
 * of their size behind (grappler folded each constant-valued Fill of up to 10 MiB into a constant that the cached
 * initialisation graph kept).
 */
class TfSlotMemoryTest {
    private static final int LAYERS = 4;
    private static final int WIDTH = 512;
    /** Each parameter of its own shape (grappler shares one folded constant between tensors of a shape). */
    private static final long PARAM_BYTES = paramBytes();

    private static int width(int layer) {
        return WIDTH + 8 * layer;
    }

    private static long paramBytes() {
        long n = 0;
        for (int i = 0; i < LAYERS; i++) {
            n += 4L * width(i) * width(i + 1);
        }
        return n;
    }

    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    private static Network net() {
        NetworkBuilder b = new NetworkBuilder();
        Node h = b.input("x", DType.FLOAT32, -1, WIDTH);
        for (int i = 0; i < LAYERS; i++) {
            h = b.tanh(b.matmul(h, b.param("w" + i, Initializer.truncatedNormal(0.02), width(i), width(i + 1))));
        }
        b.loss("loss", b.mean(b.mul(h, h), false, 0, 1));
        return b.build();
    }

    /** TensorFlow's pool in use when a traced step starts. */
    private long inUseAtStepStart(OptimizerSpec opt, Path file) throws Exception {
        System.setProperty(TfTrainGraph.TRACE_PROPERTY, file.toString());
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net(), 1)) {
            m.configureTraining(TrainingConfig.of(opt, LearningRateSchedule.constant(1e-3)));
            for (int i = 0; i <= TfTrainGraph.TRACED_STEP; i++) {
                m.trainStep(Map.of("x", HostTensor.of(new float[8 * WIDTH], 8, WIDTH)));
            }
        } finally {
            System.clearProperty(TfTrainGraph.TRACE_PROPERTY);
        }
        long first = Long.MAX_VALUE;
        long inUse = 0;
        for (String l : Files.readAllLines(file)) {
            String[] f = l.split("\t");
            if (f[0].equals("op") && f.length > 7 && Long.parseLong(f[3]) < first) {
                first = Long.parseLong(f[3]);
                inUse = Long.parseLong(f[7]);
            }
        }
        assertThat(first).as("traced ops").isLessThan(Long.MAX_VALUE);
        return inUse;
    }

    @Test
    void adamsSlotsCostThePoolTheirOwnSize(@TempDir Path dir) throws Exception {
        long sgd = inUseAtStepStart(OptimizerSpec.sgd(0), dir.resolve("sgd.tsv"));
        long adam = inUseAtStepStart(OptimizerSpec.adam(), dir.resolve("adam.tsv"));
        // two slots the size of the parameters (about 8.5 MiB); the folded constants (one a shape) added half as much
        assertThat((double) (adam - sgd)).isCloseTo(2.0 * PARAM_BYTES, within(0.25 * PARAM_BYTES));
    }
}
