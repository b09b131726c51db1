package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values are assigned and saved in runs of bounded size and optimizer slots start from zeros made
 * in the graph: all must give exactly what one run of host values gave.
 */
class TfParameterMemoryTest {
    private final Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");

    /** Six kernels of 12 MB each: more than one assignment run. */
    private static Network wide() {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 1024);
        Node h = x;
        for (int i = 0; i < 3; i++) {
            h = b.tanh(b.matmul(h, b.param("up" + i, Initializer.truncatedNormal(0.02), 1024, 3072)));
            h = b.matmul(h, b.param("down" + i, Initializer.truncatedNormal(0.02), 3072, 1024));
        }
        Node logits = Layers.dense(b, "out", h, 2);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, b.input("y", DType.INT32, -1)));
        return b.build();
    }

    @Test
    void valuesLargerThanOneAssignmentRunArriveBitForBit() {
        Network net = wide();
        long total = net.params().values().stream().mapToLong(p -> p.shape().size() * 4).sum();
        assertThat(total).isGreaterThan(TfCompiledModel.ASSIGN_CHUNK_BYTES);
        Random r = new Random(5);
        Map<String, HostTensor> values = new LinkedHashMap<>();
        net.params().values().forEach(p -> {
            float[] v = new float[Math.toIntExact(p.shape().size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            values.put(p.name(), HostTensor.of(v, p.shape().dims()));
        });
        try (CompiledModel m = engine.compile(net, 1, values)) {
            Map<String, HostTensor> got = m.parameters();
            assertThat(got.keySet()).isEqualTo(values.keySet());
            values.forEach((k, v) -> assertThat(got.get(k).bitEquals(v)).as(k).isTrue());
        }
    }

    @Test
    void savingParametersFetchesThemInBoundedGroupsAndWritesThemBitForBit(@TempDir Path dir) throws Exception {
        Network net = wide();
        long total = net.params().values().stream().mapToLong(p -> p.shape().size() * 4).sum();
        assertThat(total).isGreaterThan(2 * TfCompiledModel.SAVE_GROUP_BYTES);
        Path file = dir.resolve("weights.safetensors");
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net, 4)) {
            m.saveParameters(file, Map.of("note", "saved"));
            // fetched whole, the weights were one copy of all of them on the heap beside the model's own
            assertThat(m.largestFetchBytes()).isPositive().isLessThanOrEqualTo(TfCompiledModel.SAVE_GROUP_BYTES);
            SafeTensors.Contents c = SafeTensors.read(file);
            Map<String, HostTensor> expected = m.parameters();
            assertThat(c.tensors().keySet()).containsExactlyElementsOf(expected.keySet());
            expected.forEach((k, v) -> assertThat(c.tensors().get(k).bitEquals(v)).as(k).isTrue());
            assertThat(c.metadata()).containsEntry("note", "saved");
        }
    }

    @Test
    void savingParametersCopiesNoneOfThemToTheJavaHeap(@TempDir Path dir) throws Exception {
        Network net = wide();
        long total = net.params().values().stream().mapToLong(p -> p.shape().size() * 4).sum();
        Path file = dir.resolve("weights.safetensors");
        try (TfCompiledModel m = (TfCompiledModel) engine.compile(net, 4)) {
            m.saveParameters(file, Map.of()); // once first: classes loaded, buffers of the writer made
            long before = heapAllocatedByThisThread();
            m.saveParameters(file, Map.of());
            long allocated = heapAllocatedByThisThread() - before;
            // copied to byte arrays, the weights were allocated on the heap once more (72 MB here)
            assertThat(allocated).as("bytes allocated on the heap while saving %d bytes", total).isLessThan(total / 16);
            Map<String, HostTensor> expected = m.parameters();
            SafeTensors.Contents c = SafeTensors.read(file);
            expected.forEach((k, v) -> assertThat(c.tensors().get(k).bitEquals(v)).as(k).isTrue());
        }
    }

    /**
     * The JVM's count of heap bytes this thread has allocated (com.sun.management.ThreadMXBean, read reflectively: the
     * tests compile as part of this module, which does not read java.management).
     */
    private static long heapAllocatedByThisThread() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class)
                .invoke(bean, Thread.currentThread().getId());
    }

    @Test
    void optimizerSlotsStartAtZeroAndTrainLikeHostZeros() {
        Network net = wide();
        float[] xs = new float[8 * 1024];
        Random r = new Random(9);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        Map<String, HostTensor> batch = Map.of("x", HostTensor.of(xs, 8, 1024),
                "y", HostTensor.ofInts(new int[] {0, 1, 0, 1, 0, 1, 0, 1}, 8));
        TrainingConfig cfg = TrainingConfig.of(OptimizerSpec.adam(), LearningRateSchedule.constant(0.01));
        Map<String, HostTensor> slotsBefore;
        Map<String, HostTensor> afterGraphZeros;
        try (CompiledModel m = engine.compile(net, 3)) {
            m.configureTraining(cfg);
            slotsBefore = m.optimizerState();
            m.trainStep(batch);
            m.trainStep(batch);
            afterGraphZeros = m.parameters();
        }
        assertThat(slotsBefore).hasSize(2 * net.params().size());
        slotsBefore.forEach((k, v) -> assertThat(v.bitEquals(HostTensor.zeros(v.dtype(), v.shape()))).as(k).isTrue());
        Map<String, HostTensor> afterHostZeros;
        try (CompiledModel m = engine.compile(net, 3)) {
            m.configureTraining(cfg);
            Map<String, HostTensor> zeros = new LinkedHashMap<>();
            slotsBefore.forEach((k, v) -> zeros.put(k, HostTensor.zeros(v.dtype(), v.shape())));
            m.setOptimizerState(zeros, 0);
            m.trainStep(batch);
            m.trainStep(batch);
            afterHostZeros = m.parameters();
        }
        afterHostZeros.forEach((k, v) -> assertThat(afterGraphZeros.get(k).bitEquals(v)).as(k).isTrue());
    }
}
