package dev.graft.crossengine.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.basicmodelzoo.cv.classification.VGG;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoopTranslator;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Graft against its Java peers on the same work, side by side in one JVM: a training step (SGD, momentum 0.9,
 * softmax cross-entropy, 1000 classes) and an inference batch of full-size ResNet-50 and VGG-16 at 224x224,
 * batch 16, through Graft on TensorFlow, Graft on PyTorch, and DJL's own {@code Trainer} and {@code Predictor}
 * on PyTorch with DJL's model-zoo definitions of the same networks ({@code ResNetV1} 50 layers with the ImageNet
 * stem, {@code VGG} 16 without BatchNorm). Each side keeps its native layout (Graft NHWC, DJL NCHW). Each side
 * lives in its own worker JVM driven by this one (one engine per process, as a deployment runs them; a native
 * crash of one side does not take the others' figures with it), and only one side works at a time. The sides run in rounds, the order rotating every round, so load from other
 * processes falls on all of them alike; per
 * side it prints median wall time and the process's CPU time per step, and ratios to Graft on TensorFlow.
 * Threads are equal for all sides: Graft's engines take {@code -Dgraft.threads}/{@code -Dgraft.interop.threads},
 * PyTorch's pools are process-wide, so Graft's PyTorch engine and DJL's Trainer share them.
 * A program that prints figures, not a test.
 *
 * <p>Arguments: [steps per round, default 2] [rounds, default 3] [networks, default resnet50,vgg16]
 * [sides, default graft-tf,graft-pt,djl-pt].
 */
public final class PeerBenchmark {
    static final int SIZE = 224;
    static final int BATCH = 16;
    static final int CLASSES = 1000;

    private PeerBenchmark() {
    }

    /** One side of the comparison on one network: a training step and an inference batch. */
    interface Side extends AutoCloseable {
        void trainStep();

        void infer();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            worker();
            return;
        }
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> nets = List.of((args.length > 2 ? args[2] : "resnet50,vgg16").split(","));
        List<String> sides = List.of((args.length > 3 ? args[3] : "graft-tf,graft-pt,djl-pt").split(","));
        System.out.printf(Locale.ROOT, "machine: %d cores, %s; Java %s; threads: graft.threads=%s graft.interop.threads=%s; load average at start: %s%n",
                Runtime.getRuntime().availableProcessors(), cpuFlags(), System.getProperty("java.version"),
                System.getProperty("graft.threads", "(engine default)"), System.getProperty("graft.interop.threads", "(engine default)"), load());
        System.out.printf(Locale.ROOT, "method: each side warmed up (2 steps, 2 inference batches), then %d rounds of %d training steps and %d inference batches per side, order rotating; medians over rounds%n",
                rounds, steps, steps);
        System.out.println("Each side runs in its own worker JVM (one engine per process, as a deployment runs them); only one"
                + " side works at a time.");
        System.out.println();
        List<String> table = new ArrayList<>();
        for (String net : nets) {
            // one worker JVM per side, started for this network and stopped after it: one engine per process, and
            // no process holds two full-size networks with their optimizer state
            Map<String, Worker> workers = new LinkedHashMap<>();
            try {
                for (String s : sides) {
                    Worker w = new Worker(s.equals("graft-tf") ? "tensorflow" : "pytorch");
                    workers.put(s, w);
                    System.out.println(net + " " + s + ": " + w.call("open " + net + " " + s));
                }
                Map<String, List<double[]>> train = new LinkedHashMap<>();
                Map<String, List<double[]>> infer = new LinkedHashMap<>();
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < sides.size(); k++) {
                        String s = sides.get((k + r) % sides.size());
                        Worker w = workers.get(s);
                        train.computeIfAbsent(s, x -> new ArrayList<>()).add(parse(w.call("train " + s + " " + steps)));
                        infer.computeIfAbsent(s, x -> new ArrayList<>()).add(parse(w.call("infer " + s + " " + steps)));
                    }
                    System.out.printf(Locale.ROOT, "%s round %d done (load %s)%n", net, r + 1, load());
                }
                double[] refTrain = medians(train.get(sides.get(0)));
                double[] refInfer = medians(infer.get(sides.get(0)));
                for (String s : sides) {
                    double[] t = medians(train.get(s));
                    double[] i = medians(infer.get(s));
                    table.add(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f | %.2f | %.2f |", net, s,
                            t[0], t[1], BATCH / (t[0] / 1000), i[0], i[1], BATCH / (i[0] / 1000), t[1] / refTrain[1], i[1] / refInfer[1]));
                }
            } finally {
                for (Worker w : workers.values()) {
                    w.close();
                }
            }
        }
        System.out.println();
        System.out.println("| network | side | train step wall ms | train step CPU ms | train images/s | inference batch wall ms | inference CPU ms |"
                + " inference images/s | train CPU vs " + sides.get(0) + " | inference CPU vs " + sides.get(0) + " |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        table.forEach(System.out::println);
        System.out.println();
        System.out.println("load average at end: " + load());
    }

    private static double[] parse(String reply) {
        String[] f = reply.split(" ");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    /** A worker JVM (this class with {@code --worker}) driven line by line over its standard input and output. */
    static final class Worker implements AutoCloseable {
        private final Process process;
        private final java.io.BufferedReader out;
        private final java.io.PrintWriter in;

        Worker(String engine) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PeerBenchmark.class.getName(), "--worker"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("GRAFT_ENGINE", engine);
            process = pb.start();
            out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            in = new java.io.PrintWriter(process.getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
        }

        String call(String command) throws IOException {
            in.println(command);
            String line = out.readLine();
            if (line == null || !line.startsWith("ok ")) {
                throw new IllegalStateException("worker failed on '" + command + "': " + line);
            }
            return line.substring(3);
        }

        @Override
        public void close() throws InterruptedException {
            in.close();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Worker: opens sides and runs timed calls on request; replies {@code ok <wall ms per call> <CPU ms per call>}. */
    private static void worker() throws IOException {
        java.io.PrintStream reply = System.out;
        System.setOut(System.err); // engines' chatter stays off the reply channel
        ServiceLoaderEngineRegistry registry = new ServiceLoaderEngineRegistry();
        Map<String, Side> open = new LinkedHashMap<>();
        java.io.BufferedReader commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null;) {
            String[] c = line.split(" ");
            try {
                switch (c[0]) {
                    case "open" -> {
                        long t0 = System.nanoTime();
                        Side side = switch (c[2]) {
                            case "graft-tf" -> new GraftSide(registry.get("tensorflow"), arch(c[1]));
                            case "graft-pt" -> new GraftSide(registry.get("pytorch"), arch(c[1]));
                            case "djl-pt" -> new DjlSide(c[1]);
                            default -> throw new IllegalArgumentException("unknown side '" + c[2] + "'; known: graft-tf, graft-pt, djl-pt");
                        };
                        for (int i = 0; i < 2; i++) {
                            side.trainStep();
                            side.infer();
                        }
                        open.put(c[2], side);
                        reply.printf(Locale.ROOT, "ok ready and warmed up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                    }
                    case "train", "infer" -> {
                        Side side = open.get(c[1]);
                        double[] t = time(Integer.parseInt(c[2]), c[0].equals("train") ? side::trainStep : side::infer);
                        reply.printf(Locale.ROOT, "ok %.3f %.3f%n", t[0], t[1]);
                    }
                    default -> throw new IllegalArgumentException("unknown command " + c[0]);
                }
            } catch (RuntimeException e) {
                e.printStackTrace();
                reply.println("failed " + e);
            }
        }
        // the driver closed our input: free every side's native memory before the JVM exits
        open.values().forEach(Side::close);
    }

    static VisionArchitecture arch(String net) {
        return switch (net) {
            case "resnet50" -> ResNetConfig.torchvision(50);
            case "vgg16" -> VggConfig.of(16, false);
            default -> throw new IllegalArgumentException("unknown network '" + net + "'; known: resnet50, vgg16");
        };
    }

    /** Median wall ms and CPU ms per call over the rounds. */
    static double[] medians(List<double[]> rounds) {
        double[] w = rounds.stream().mapToDouble(x -> x[0]).sorted().toArray();
        double[] c = rounds.stream().mapToDouble(x -> x[1]).sorted().toArray();
        return new double[] {median(w), median(c)};
    }

    static double median(double[] s) {
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Wall ms and process CPU ms per call of {@code n} calls. */
    static double[] time(int n, Runnable call) {
        long c0 = cpuNanos();
        long w0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            call.run();
        }
        return new double[] {(System.nanoTime() - w0) / 1e6 / n, (cpuNanos() - c0) / 1e6 / n};
    }

    /** CPU time of every thread of this process so far (user + system, clock ticks of 10 ms), from /proc/self/stat. */
    static long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/stat", e);
        }
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static String cpuFlags() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    String model = l.substring(l.indexOf(':') + 2);
                    String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(x -> x.startsWith("flags")).findFirst().orElse("");
                    List<String> wanted = new ArrayList<>();
                    for (String f : List.of("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni")) {
                        if (Arrays.asList(flags.split("\\s+")).contains(f)) {
                            wanted.add(f);
                        }
                    }
                    return model + " (" + String.join(" ", wanted) + ")";
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown CPU";
    }

    /** Graft: the vision plugin's network definition compiled by one of Graft's engines. */
    static final class GraftSide implements Side {
        private final CompiledModel model;
        private final Map<String, HostTensor> batch;
        private final Map<String, HostTensor> images;

        GraftSide(Engine engine, VisionArchitecture a) {
            NetworkBuilder b = new NetworkBuilder();
            Node x = b.input("image", DType.FLOAT32, -1, SIZE, SIZE, 3);
            Node y = b.input("label", DType.INT32, -1);
            Features f = a.build(b, x);
            Node logits = a.classifier(b, f, CLASSES);
            b.output("logits", logits);
            b.loss("loss", b.softmaxCrossEntropy(logits, y));
            Network net = b.build();
            Random r = new Random(1);
            float[] px = new float[BATCH * SIZE * SIZE * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) r.nextGaussian();
            }
            int[] labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = r.nextInt(CLASSES);
            }
            HostTensor image = HostTensor.of(px, BATCH, SIZE, SIZE, 3);
            batch = Map.of("image", image, "label", HostTensor.ofInts(labels, BATCH));
            images = Map.of("image", image);
            model = engine.compile(net, 1);
            model.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0.9), LearningRateSchedule.constant(1e-3)));
        }

        @Override
        public void trainStep() {
            model.trainStep(batch);
        }

        @Override
        public void infer() {
            model.predict(images, "logits");
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** DJL's own training and inference on PyTorch: its model-zoo block, {@code Trainer} and {@code Predictor}. */
    static final class DjlSide implements Side {
        private final Model model;
        private final Trainer trainer;
        private final Predictor<NDList, NDList> predictor;
        private final Batch batch;
        private final NDList images;

        DjlSide(String net) {
            Block block = switch (net) {
                case "resnet50" -> ResNetV1.builder().setImageShape(new Shape(3, SIZE, SIZE)).setNumLayers(50).setOutSize(CLASSES).build();
                case "vgg16" -> VGG.builder().setNumLayers(16).setConvArch(new int[][] {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}})
                        .setOutSize(CLASSES).build();
                default -> throw new IllegalArgumentException("unknown network '" + net + "'");
            };
            model = Model.newInstance(net, Device.cpu(), "PyTorch");
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(1e-3f)).optMomentum(0.9f).build())
                    .optDevices(new Device[] {Device.cpu()});
            trainer = model.newTrainer(config);
            trainer.initialize(new Shape(BATCH, 3, SIZE, SIZE));
            NDManager m = trainer.getManager();
            NDArray x = m.randomNormal(new Shape(BATCH, 3, SIZE, SIZE));
            NDArray y = m.randomInteger(0, CLASSES, new Shape(BATCH), DataType.INT64).toType(DataType.FLOAT32, false);
            batch = new Batch(m, new NDList(x), new NDList(y), BATCH, Batchifier.STACK, Batchifier.STACK, 0, 1);
            images = new NDList(x);
            predictor = model.newPredictor(new NoopTranslator(null));
        }

        @Override
        public void trainStep() {
            EasyTrain.trainBatch(trainer, batch);
            trainer.step();
        }

        @Override
        public void infer() {
            try {
                predictor.predict(images).close();
            } catch (ai.djl.translate.TranslateException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            predictor.close();
            trainer.close();
            model.close();
        }
    }
}
