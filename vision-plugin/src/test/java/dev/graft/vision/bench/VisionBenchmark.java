package dev.graft.vision.bench;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.vision.Features;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.VggConfig;
import dev.graft.vision.VisionArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Training-step and inference throughput of the full-size ResNet-50 and VGG-16 (224x224, batch 16,
 * 1000 classes) on the default engine. Prints a Markdown table.
 *
 * <p>Run: {@code MAIN=dev.graft.vision.bench.VisionBenchmark vision-plugin/run-demo.sh [steps]}.
 */
public final class VisionBenchmark {
    static final int SIZE = 224;
    static final int BATCH = 16;
    static final int CLASSES = 1000;

    record Result(String network, long params, double trainImagesPerSecond, double trainStepSeconds,
            double inferImagesPerSecond, double inferBatchSeconds, double compileSeconds) {
    }

    static Network network(VisionArchitecture a) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("image", DType.FLOAT32, -1, SIZE, SIZE, 3);
        Node y = b.input("label", DType.INT32, -1);
        Features f = a.build(b, x);
        Node logits = a.classifier(b, f, CLASSES);
        b.output("logits", logits);
        b.loss("loss", b.softmaxCrossEntropy(logits, y));
        return b.build();
    }

    static Result measure(Engine engine, VisionArchitecture a, int steps) {
        Network net = network(a);
        Random r = new Random(1);
        float[] px = new float[BATCH * SIZE * SIZE * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        int[] labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = r.nextInt(CLASSES);
        }
        HostTensor images = HostTensor.of(px, BATCH, SIZE, SIZE, 3);
        Map<String, HostTensor> batch = Map.of("image", images, "label", HostTensor.ofInts(labels, BATCH));
        long t0 = System.nanoTime();
        try (CompiledModel m = engine.compile(net, 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0.9), LearningRateSchedule.constant(1e-3)));
            m.trainStep(batch); // builds the training graph, first run
            double compile = (System.nanoTime() - t0) / 1e9;
            m.trainStep(batch);
            long t1 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                m.trainStep(batch);
            }
            double step = (System.nanoTime() - t1) / 1e9 / steps;
            Map<String, HostTensor> in = Map.of("image", images);
            m.predict(in, "logits");
            m.predict(in, "logits");
            long t2 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                m.predict(in, "logits");
            }
            double infer = (System.nanoTime() - t2) / 1e9 / steps;
            return new Result(a.name(), net.trainableParameterCount(), BATCH / step, step, BATCH / infer, infer, compile);
        }
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Engine engine = new ServiceLoaderEngineRegistry().get();
        List<Result> results = new ArrayList<>();
        for (VisionArchitecture a : List.of(ResNetConfig.torchvision(50), VggConfig.of(16, false))) {
            Result res = measure(engine, a, steps);
            results.add(res);
            System.out.printf(Locale.ROOT, "%s: train %.2f img/s (%.2f s/step), inference %.2f img/s (%.2f s/batch)%n",
                    res.network(), res.trainImagesPerSecond(), res.trainStepSeconds(), res.inferImagesPerSecond(),
                    res.inferBatchSeconds());
        }
        double load = loadAverage();
        StringBuilder sb = new StringBuilder();
        sb.append("| network | parameters | training images/s | s per training step | inference images/s | s per inference batch |"
                + " first step incl. graph build (s) |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %.2f | %.2f | %.1f |%n", r.network(), r.params(),
                    r.trainImagesPerSecond(), r.trainStepSeconds(), r.inferImagesPerSecond(), r.inferBatchSeconds(),
                    r.compileSeconds()));
        }
        System.out.println();
        System.out.print(sb);
        System.out.printf(Locale.ROOT, "%nengine: %s; %d steps timed after 2 warm-up steps; batch %d, %dx%d, %d classes, SGD momentum 0.9; "
                + "1-minute load average at the end: %.1f on %d cores%n", engine.describe(), steps, BATCH, SIZE, SIZE, CLASSES, load,
                Runtime.getRuntime().availableProcessors());
    }
}
