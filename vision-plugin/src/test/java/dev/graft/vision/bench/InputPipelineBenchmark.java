package dev.graft.vision.bench;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.vision.ResNetConfig;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;

/**
 * The input pipeline against ResNet-50 training at 224x224, in one run: images/s of decoding,
 * random resized crop, flip and normalisation of JPEG photos ({@code Backbone.encode(batch, true,
 * seed)}, the call fit makes, on one background thread as fit's prefetch runs it), ResNet-50
 * training steps on the default engine, and the two together the way fit overlaps them (the next
 * batch encoded while the current one trains), with wall and CPU time and the ratio.
 *
 * <p>Run: {@code MAIN=dev.graft.vision.bench.InputPipelineBenchmark vision-plugin/run-demo.sh
 * [--images 96] [--batch 16] [--steps 5] [--width 500] [--height 375]}.
 */
public final class InputPipelineBenchmark {
    private InputPipelineBenchmark() {
    }

    record Timing(double wallSeconds, double cpuSeconds, int images) {
        double imagesPerSecond() {
            return images / wallSeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int n = Integer.parseInt(o.getOrDefault("images", "96"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "16"));
        int steps = Integer.parseInt(o.getOrDefault("steps", "5"));
        int w = Integer.parseInt(o.getOrDefault("width", "500"));
        int h = Integer.parseInt(o.getOrDefault("height", "375"));
        Path dir = Files.createTempDirectory("graft-pipeline-bench");
        List<Example> examples = photos(dir, n, w, h);
        long jpegBytes = 0;
        for (Example e : examples) {
            jpegBytes += Files.size((Path) e.input());
        }
        Backbone backbone = new ServiceLoaderBackboneRegistry().create("resnet50", Map.of());
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "graft-input-pipeline");
            t.setDaemon(true);
            return t;
        });

        // 1. the input pipeline alone, on one thread (fit's prefetch thread): two warm-up passes, then timed
        for (int i = 0; i < 2; i++) {
            backbone.encode(examples.subList(0, batch), true, i);
        }
        Timing pipeline = worker.submit(() -> {
            long cpu0 = processCpu();
            long t0 = System.nanoTime();
            int done = 0;
            for (int b = 0; b * batch < examples.size(); b++) {
                List<Example> bt = examples.subList(b * batch, Math.min(examples.size(), (b + 1) * batch));
                backbone.encode(bt, true, 1000 + b);
                done += bt.size();
            }
            return new Timing((System.nanoTime() - t0) / 1e9, (processCpu() - cpu0) / 1e9, done);
        }).get();
        System.out.printf(Locale.ROOT, "input pipeline alone: %d images in %.2f s wall, %.2f s CPU: %.1f images/s%n",
                pipeline.images(), pipeline.wallSeconds(), pipeline.cpuSeconds(), pipeline.imagesPerSecond());

        // 2. ResNet-50 training alone, on a batch already in memory
        Engine engine = new ServiceLoaderEngineRegistry().get();
        Map<String, HostTensor> fixed = withLabels(backbone.encode(examples.subList(0, batch), true, 7), batch);
        try (CompiledModel m = engine.compile(VisionBenchmark.network(ResNetConfig.torchvision(50)), 1)) {
            m.configureTraining(TrainingConfig.of(OptimizerSpec.sgd(0.9), LearningRateSchedule.constant(1e-3)));
            m.trainStep(fixed);
            m.trainStep(fixed);
            long cpu0 = processCpu();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                m.trainStep(fixed);
            }
            Timing train = new Timing((System.nanoTime() - t0) / 1e9, (processCpu() - cpu0) / 1e9, steps * batch);
            System.out.printf(Locale.ROOT, "ResNet-50 training alone: %d steps of %d in %.2f s wall, %.2f s CPU: %.3f steps/s, "
                    + "%.2f images/s%n", steps, batch, train.wallSeconds(), train.cpuSeconds(), steps / train.wallSeconds(),
                    train.imagesPerSecond());

            // 3. together, as fit runs them: batch b + 1 is decoded and augmented while batch b trains
            long waitedNs = 0;
            long cpu1 = processCpu();
            long t1 = System.nanoTime();
            Future<Map<String, HostTensor>> next = worker.submit(() -> backbone.encode(slice(examples, 0, batch), true, 2000));
            for (int s = 0; s < steps; s++) {
                long w0 = System.nanoTime();
                Map<String, HostTensor> in = next.get();
                waitedNs += System.nanoTime() - w0;
                int k = s + 1;
                next = worker.submit(() -> backbone.encode(slice(examples, k, batch), true, 2000 + k));
                m.trainStep(withLabels(in, batch));
            }
            next.get();
            Timing both = new Timing((System.nanoTime() - t1) / 1e9, (processCpu() - cpu1) / 1e9, steps * batch);
            System.out.printf(Locale.ROOT, "together (prefetch): %d steps in %.2f s wall, %.2f s CPU: %.3f steps/s, %.2f images/s; "
                    + "training waited %.2f s for input%n", steps, both.wallSeconds(), both.cpuSeconds(),
                    steps / both.wallSeconds(), both.imagesPerSecond(), waitedNs / 1e9);

            System.out.println();
            System.out.println("| measured | images | wall s | CPU s | images/s (wall) | images per CPU-second |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            row("input pipeline alone (1 thread: decode, random resized crop 224, flip, normalise)", pipeline);
            row("ResNet-50 training alone (batch " + batch + ", SGD momentum)", train);
            row("training with the pipeline prefetching the next batch", both);
            System.out.printf(Locale.ROOT, "%nratio input pipeline / training: %.1fx (wall), %.1fx (per CPU-second); training "
                    + "waited %.2f s of %.2f s for input when overlapped%n", pipeline.imagesPerSecond() / train.imagesPerSecond(),
                    (pipeline.images() / pipeline.cpuSeconds()) / (train.images() / train.cpuSeconds()), waitedNs / 1e9,
                    both.wallSeconds());
            System.out.printf(Locale.ROOT, "images: %d JPEG photos %dx%d (%.0f KB each on average); engine %s; 1-minute load "
                    + "average %.1f on %d cores%n", n, w, h, jpegBytes / 1024.0 / n, engine.describe(), VisionBenchmark.loadAverage(),
                    Runtime.getRuntime().availableProcessors());
        } finally {
            worker.shutdownNow();
        }
    }

    private static void row(String what, Timing t) {
        System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f |%n", what, t.images(), t.wallSeconds(),
                t.cpuSeconds(), t.imagesPerSecond(), t.images() / t.cpuSeconds());
    }

    private static List<Example> slice(List<Example> all, int b, int batch) {
        int from = (b * batch) % all.size();
        List<Example> out = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            out.add(all.get((from + i) % all.size()));
        }
        return out;
    }

    private static Map<String, HostTensor> withLabels(Map<String, HostTensor> in, int batch) {
        Map<String, HostTensor> m = new HashMap<>(in);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = (i * 7) % 1000;
        }
        m.put("label", HostTensor.ofInts(labels, batch));
        return m;
    }

    private static long processCpu() {
        // CPU of the whole process (all threads: the pipeline thread, the engine's threads, JIT and GC), in ns
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** Photo-like JPEGs (gradients, shapes, sensor noise), the size of a typical ImageNet image. */
    static List<Example> photos(Path dir, int n, int w, int h) throws Exception {
        Random r = new Random(42);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setPaint(new GradientPaint(0, 0, new Color(r.nextInt(0xffffff)), w, h, new Color(r.nextInt(0xffffff))));
            g.fillRect(0, 0, w, h);
            for (int k = 0; k < 12; k++) {
                g.setColor(new Color(r.nextInt(0xffffff)));
                g.fillOval(r.nextInt(w), r.nextInt(h), 20 + r.nextInt(w / 2), 20 + r.nextInt(h / 2));
            }
            g.dispose();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = img.getRGB(x, y);
                    int d = (int) (r.nextGaussian() * 6);
                    int rr = clamp(((p >> 16) & 255) + d);
                    int gg = clamp(((p >> 8) & 255) + d);
                    int bb = clamp((p & 255) + d);
                    img.setRGB(x, y, (rr << 16) | (gg << 8) | bb);
                }
            }
            Path f = dir.resolve("photo" + i + ".jpg");
            ImageIO.write(img, "jpg", f.toFile());
            out.add(new Example(f.toString(), f, "c" + (i % 10)));
        }
        return out;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
