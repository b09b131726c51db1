package dev.graft.vision.demo;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Transfer learning with nothing downloaded: pretrain a (narrow) ResNet-18 on 26 upper-case
 * letters rendered from the installed fonts, then learn the 10 digits from a few labelled images
 * each, comparing feature extraction, hybrid and fine-tuning from the pretrained backbone with
 * training the same network from scratch.
 *
 * <p>Run: {@code vision-plugin/run-demo.sh [--quick] [--doc docs/transfer-demo.md]}.
 */
public final class TransferDemo {
    /** Sizes of one demo run. */
    public record Settings(int width, int size, int sourcePerClass, int sourceEpochs, int targetPerClass, int testPerClass,
            int targetEpochs, int batch, double lr, long seed) {
        /** About two minutes on two cores. */
        public static Settings full() {
            return new Settings(16, 32, 200, 5, 10, 40, 30, 32, 3e-3, 42);
        }

        /** Seconds: for the test. */
        public static Settings quick() {
            return new Settings(4, 32, 6, 1, 2, 2, 2, 16, 3e-3, 1);
        }
    }

    /** One row of the results table. */
    public record Row(String run, String strategy, double accuracy, double macroF1, double seconds, long trainableParams, String plan) {
    }

    /** Everything a run measured. */
    public record Outcome(Settings settings, int fonts, double sourceAccuracy, double pretrainSeconds, int sourceTrain,
            int targetTrain, int targetTest, List<Row> rows, String engine) {
    }

    static final String SOURCE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String TARGET = "0123456789";

    public static Outcome run(Settings s, Path work) throws IOException {
        Glyphs glyphs = new Glyphs();
        Graft graft = Graft.create();
        List<Example> srcTrain = glyphs.render(SOURCE, s.sourcePerClass(), s.size(), s.seed(), "source-train");
        List<Example> srcVal = glyphs.render(SOURCE, Math.max(2, s.sourcePerClass() / 10), s.size(), s.seed() + 1, "source-val");
        Map<String, String> bb = new LinkedHashMap<>(Map.of("width", Integer.toString(s.width()), "size", Integer.toString(s.size()),
                "crop-scale", "0.6", "flip", "false", "preprocessing", "torch"));
        TrainerConfig base = TrainerConfig.defaults().withBatchSize(s.batch()).withLearningRate(s.lr()).withSchedule("cosine")
                .withSeed(s.seed());

        long t0 = System.nanoTime();
        PipelineResult pre = graft.pipeline().data(srcTrain).validation(srcVal)
                .backbone("resnet18", bb)
                .strategy("fine-tuning", Map.of("backboneLr", Double.toString(s.lr()), "batchNorm", "train", "warmupEpochs", "0"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(base.withEpochs(s.sourceEpochs()))
                .cacheDir(work.resolve("cache-pretrain"))
                .run();
        double pretrainSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, HostTensor> backbone = new LinkedHashMap<>();
        pre.model().weights().forEach((k, v) -> {
            if (k.startsWith("backbone.")) {
                backbone.put(k, v);
            }
        });
        Path weights = work.resolve("glyph-resnet18.safetensors");
        SafeTensors.write(weights, backbone, Map.of("graft.preprocessing", "torch", "graft.source-task", "upper-case letters"));

        List<Example> tgtTrain = glyphs.render(TARGET, s.targetPerClass(), s.size(), s.seed() + 100, "target-train");
        List<Example> tgtTest = glyphs.render(TARGET, s.testPerClass(), s.size(), s.seed() + 200, "target-test");
        Map<String, String> pretrained = new LinkedHashMap<>(bb);
        pretrained.put("weights", weights.toString());
        TrainerConfig target = base.withEpochs(s.targetEpochs()).withBatchSize(Math.min(s.batch(), 16));

        List<Row> rows = new ArrayList<>();
        rows.add(target(graft, "from scratch", "fine-tuning", Map.of("backboneLr", Double.toString(s.lr()), "batchNorm", "train"),
                bb, tgtTrain, tgtTest, target, work));
        rows.add(target(graft, "feature extraction", "feature-extraction", Map.of(), pretrained, tgtTrain, tgtTest, target, work));
        rows.add(target(graft, "hybrid (cut layer3)", "hybrid", Map.of("cut", "layer3"), pretrained, tgtTrain, tgtTest, target, work));
        rows.add(target(graft, "fine-tuning", "fine-tuning", Map.of(), pretrained, tgtTrain, tgtTest, target, work));
        return new Outcome(s, glyphs.families().size(), pre.validation().accuracy(), pretrainSeconds, srcTrain.size(),
                tgtTrain.size(), tgtTest.size(), rows, pre.engine());
    }

    private static Row target(Graft graft, String label, String strategy, Map<String, String> options, Map<String, String> bb,
            List<Example> train, List<Example> test, TrainerConfig cfg, Path work) throws IOException {
        long t0 = System.nanoTime();
        PipelineResult r = graft.pipeline().data(train).validation(test)
                .backbone("resnet18", bb)
                .strategy(strategy, options)
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(cfg)
                .cacheDir(Files.createTempDirectory(work, "cache-"))
                .run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long trainable = trainableParams(r.planReport());
        return new Row(label, strategy, r.validation().accuracy(), r.validation().macroF1(), seconds, trainable, r.plan().explanation());
    }

    private static long trainableParams(String report) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([\\d,]+) trainable").matcher(report);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    /** The results as a Markdown table. */
    public static String table(Outcome o) {
        StringBuilder sb = new StringBuilder();
        sb.append("| target run | strategy | trainable parameters | test accuracy | macro F1 | wall time (s) |\n|---|---|---:|---:|---:|---:|\n");
        for (Row r : o.rows()) {
            sb.append(String.format(Locale.ROOT, "| %s | `%s` | %,d | %.3f | %.3f | %.1f |%n", r.run(), r.strategy(), r.trainableParams(), r.accuracy(),
                    r.macroF1(), r.seconds()));
        }
        return sb.toString();
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        Path doc = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--doc" -> doc = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("usage: TransferDemo [--quick] [--doc FILE.md]; unknown '" + args[i] + "'");
            }
        }
        Settings s = quick ? Settings.quick() : Settings.full();
        Path work = Files.createTempDirectory("graft-transfer-demo");
        Outcome o = run(s, work);
        String summary = String.format(Locale.ROOT, "source: %d images of 26 letters (%d fonts), pretrained %d epochs in %.1f s, "
                + "source validation accuracy %.3f%ntarget: 10 digits, %d labelled images (%d per class), %d test images, %d epochs%n",
                o.sourceTrain(), o.fonts(), s.sourceEpochs(), o.pretrainSeconds(), o.sourceAccuracy(), o.targetTrain(),
                s.targetPerClass(), o.targetTest(), s.targetEpochs());
        System.out.println(summary + table(o));
        if (doc != null) {
            Files.writeString(doc, TransferDemoDoc.markdown(o, summary));
            System.out.println("wrote " + doc);
        }
    }
}
