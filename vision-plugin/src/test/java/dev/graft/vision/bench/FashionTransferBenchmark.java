package dev.graft.vision.bench;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EarlyStopping;
import dev.graft.core.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Transfer on real images: a ResNet-18 pretrained by Graft on Fashion-MNIST classes 0-4 (T-shirt/top,
 * Trouser, Pullover, Dress, Coat), saved, then used as the backbone {@code model:<dir>} for classes
 * 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot) with a few labels per class: training from scratch vs
 * feature extraction vs hybrid vs fine-tuning, test accuracy mean and standard deviation over seeds
 * (each seed draws other labelled images and initialises differently) and process CPU time per run.
 * Needs Debian's {@code dataset-fashion-mnist} (files in /usr/share/datasets/fashion-mnist).
 *
 * <p>Run: {@code MAIN=dev.graft.vision.bench.FashionTransferBenchmark vision-plugin/run-demo.sh [options]};
 * options {@code --data DIR --work DIR --out FILE.md --width N --pretrain-per-class N --pretrain-epochs N
 * --labels 10,25,50 --seeds N --test-per-class N --epochs N --pretrained DIR --cut BLOCK
 * --strategies scratch,feature-extraction,hybrid,fine-tuning --features BLOCKS} ({@code --features layer3+layer4}:
 * the transferred backbone gives the pooled outputs of those blocks, concatenated, as features). A strategy may
 * carry options of its own: {@code fine-tuning:batchNorm=train;backboneLr=3e-3}. Trainer: {@code --batch N}, {@code --val F}
 * (validation share of the training set), {@code --patience N} (early stopping on validation accuracy, best epoch
 * restored; 0 = none), {@code --first-seed N}. Other source and target tasks: {@code --source-data DIR} (IDX files
 * to pretrain on, e.g. MNIST digits converted by {@link MnistNpmToIdx}), {@code --source 0,...,9},
 * {@code --source-label-names numbers}, {@code --target 0,...,9}, {@code --label-names fashion-mnist},
 * {@code --pretrain-flip false} (no flips while pretraining; the target runs still flip).
 */
public final class FashionTransferBenchmark {
    static final String SOURCE = "0,1,2,3,4";
    static final String TARGET = "5,6,7,8,9";

    record Run(String strategy, int labels, long seed, double accuracy, double cpuSeconds, double wallSeconds) {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>(Map.of("data", "/usr/share/datasets/fashion-mnist", "work", "target/fashion-bench",
                "out", "target/fashion-bench/results.md", "width", "64", "pretrain-per-class", "2000", "pretrain-epochs", "4",
                "labels", "10,25,50", "seeds", "3", "test-per-class", "400", "epochs", "30"));
        a.put("cut", "layer3");
        a.put("strategies", "scratch,feature-extraction,hybrid,fine-tuning");
        a.put("features", "pool");
        a.put("batch", "16");
        a.put("val", "0");
        a.put("patience", "0");
        a.put("first-seed", "1");
        a.put("source", SOURCE);
        a.put("target", TARGET);
        a.put("source-data", "");
        a.put("source-label-names", "fashion-mnist");
        a.put("label-names", "fashion-mnist");
        a.put("pretrain-flip", "true");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length || !a.containsKey(args[i].substring(2))
                    && !args[i].equals("--pretrained")) {
                throw new IllegalArgumentException("usage: FashionTransferBenchmark [--key value]...; keys " + a.keySet()
                        + " and pretrained; got '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[++i]);
        }
        Path data = Path.of(a.get("data"));
        if (!Files.isDirectory(data)) {
            throw new IllegalStateException(data + " does not exist: install Debian's dataset-fashion-mnist (apt-get install "
                    + "dataset-fashion-mnist)");
        }
        Path work = Path.of(a.get("work"));
        Files.createDirectories(work);
        Path out = Path.of(a.get("out"));
        Graft graft = Graft.create();
        Map<String, String> bb = new LinkedHashMap<>(Map.of("width", a.get("width"), "size", "28", "crop-scale", "0.7",
                "flip", "true", "preprocessing", "torch"));
        StringBuilder log = new StringBuilder();
        Path pretrained;
        String pretrainLine;
        if (a.containsKey("pretrained")) {
            pretrained = Path.of(a.get("pretrained"));
            pretrainLine = "pretrained model reused from " + pretrained;
        } else {
            Path srcData = a.get("source-data").isEmpty() ? data : Path.of(a.get("source-data"));
            String srcNames = a.get("source-label-names");
            List<Example> srcTrain = idx(graft, srcData, "train", a.get("source"),
                    a.get("pretrain-per-class").equals("all") ? null : a.get("pretrain-per-class"), 1, srcNames);
            List<Example> srcVal = idx(graft, srcData, "test", a.get("source"), "100", 1, srcNames);
            double c0 = cpuSeconds();
            long t0 = System.nanoTime();
            Map<String, String> pb = new LinkedHashMap<>(bb);
            pb.put("flip", a.get("pretrain-flip"));
            PipelineResult pre = graft.pipeline().data(srcTrain).validation(srcVal).backbone("resnet18", pb)
                    .strategy("fine-tuning", Map.of("backboneLr", "3e-3", "batchNorm", "train", "warmupEpochs", "0"))
                    .head(HeadConfig.linear(Task.CLASSIFICATION))
                    .trainer(TrainerConfig.defaults().withEpochs(Integer.parseInt(a.get("pretrain-epochs"))).withBatchSize(64)
                            .withLearningRate(3e-3).withSchedule("cosine").withSeed(1).withProgress(true))
                    .cacheDir(work.resolve("cache")).run();
            pretrained = work.resolve(a.get("source-data").isEmpty() ? "pretrained-fashion-0-4" : "pretrained-source");
            pre.model().save(pretrained);
            pretrainLine = String.format(Locale.ROOT, "pretraining on %s: %d images of classes %s (%s per class), %s epochs, "
                    + "validation accuracy %.3f on %d test images of those classes; %.0f s CPU, %.0f s wall", srcData, srcTrain.size(),
                    a.get("source"), a.get("pretrain-per-class"), a.get("pretrain-epochs"), pre.validation().accuracy(), srcVal.size(),
                    cpuSeconds() - c0, (System.nanoTime() - t0) / 1e9);
        }
        System.err.println(pretrainLine);
        log.append(pretrainLine).append('\n');
        String target = a.get("target");
        String names = a.get("label-names");
        int targetClasses = target.split(",").length;
        List<Example> test = idx(graft, data, "test", target, a.get("test-per-class"), 7, names);
        List<Run> runs = new ArrayList<>();
        int seeds = Integer.parseInt(a.get("seeds"));
        String model = "model:" + pretrained.toAbsolutePath();
        Map<String, String> tb = new LinkedHashMap<>();
        if (!a.get("features").equals("pool")) {
            tb.put("features", a.get("features"));
        }
        if (!a.get("pretrain-flip").equals("true")) {
            tb.put("flip", "true"); // the target's augmentation, whatever the source's was
        }
        String tag = a.get("features").equals("pool") ? "" : ", features " + a.get("features");
        for (String labels : a.get("labels").split(",")) {
            int first = Integer.parseInt(a.get("first-seed"));
            for (int s = first; s < first + seeds; s++) {
                List<Example> train = idx(graft, data, "train", target, labels.equals("all") ? null : labels, 100 + s, names);
                int n = labels.equals("all") ? train.size() / targetClasses : Integer.parseInt(labels);
                TrainerConfig tc = TrainerConfig.defaults().withEpochs(Integer.parseInt(a.get("epochs")))
                        .withBatchSize(Integer.parseInt(a.get("batch"))).withLearningRate(3e-3).withSchedule("cosine").withSeed(s)
                        .withValidationFraction(Double.parseDouble(a.get("val")));
                int patience = Integer.parseInt(a.get("patience"));
                if (patience > 0) {
                    tc = tc.withEarlyStopping(EarlyStopping.on("val_accuracy", patience));
                }
                for (String which : a.get("strategies").split(",")) {
                    // "fine-tuning:batchNorm=train;backboneLr=3e-3" runs a strategy with options of its own
                    String[] parts = which.split(":", 2);
                    Map<String, String> so = new LinkedHashMap<>();
                    if (parts.length == 2) {
                        for (String kv : parts[1].split(";")) {
                            String[] p = kv.split("=", 2);
                            so.put(p[0], p[1]);
                        }
                    }
                    String opts = so.isEmpty() ? "" : " " + so.toString().replace("{", "(").replace("}", ")");
                    switch (parts[0]) {
                        case "scratch" -> {
                            Map<String, String> sc = new LinkedHashMap<>(Map.of("backboneLr", "3e-3", "batchNorm", "train",
                                    "warmupEpochs", "0"));
                            sc.putAll(so);
                            runs.add(run(graft, "scratch" + opts, "resnet18", bb, "fine-tuning", sc, train, test, tc, n, s, work, log));
                        }
                        case "feature-extraction" -> runs.add(run(graft, "feature extraction" + tag + opts, model, tb,
                                "feature-extraction", so, train, test, tc, n, s, work, log));
                        case "hybrid" -> {
                            so.putIfAbsent("cut", a.get("cut"));
                            runs.add(run(graft, "hybrid (cut " + so.get("cut") + ")" + tag + opts, model, tb, "hybrid", so, train, test,
                                    tc, n, s, work, log));
                        }
                        case "fine-tuning" -> runs.add(run(graft, "fine-tuning" + tag + opts, model, tb, "fine-tuning", so, train,
                                test, tc, n, s, work, log));
                        default -> throw new IllegalArgumentException("unknown strategy '" + parts[0] + "' in --strategies");
                    }
                    Files.writeString(out, log + "\n" + table(runs, test.size()));
                }
            }
        }
        System.out.println(log + "\n" + table(runs, test.size()));
    }

    private static Run run(Graft graft, String name, String backbone, Map<String, String> bb, String strategy,
            Map<String, String> so, List<Example> train, List<Example> test, TrainerConfig tc, int labels, long seed, Path work,
            StringBuilder log) throws IOException {
        double c0 = cpuSeconds();
        long t0 = System.nanoTime();
        PipelineResult r = graft.pipeline().data(train).backbone(backbone, bb).strategy(strategy, so)
                .head(HeadConfig.linear(Task.CLASSIFICATION)).trainer(tc).cacheDir(work.resolve("cache")).run();
        TrainedModel m = r.model();
        double acc;
        try (Predictor p = Predictor.open(m, graft.engines().get(null), graft.backbones())) {
            acc = Evaluation.classification(m.labels().labels(), test, p.predict(test)).accuracy();
        }
        Run run = new Run(name, labels, seed, acc, cpuSeconds() - c0, (System.nanoTime() - t0) / 1e9);
        String line = String.format(Locale.ROOT, "%s, %d labels/class, seed %d: test accuracy %.3f, %.0f s CPU, %.0f s wall; "
                + "%d epoch(s) run, best %d (%s)", name, labels, seed, acc, run.cpuSeconds(), run.wallSeconds(),
                r.history().epochs().size(), r.history().bestEpoch(), r.history().stopReason());
        System.err.println(line);
        log.append(line).append('\n');
        return run;
    }

    static List<Example> idx(Graft graft, Path data, String split, String classes, String perClass, long seed, String names)
            throws IOException {
        Map<String, String> o = new LinkedHashMap<>(Map.of("split", split, "classes", classes, "label-names", names,
                "seed", Long.toString(seed)));
        if (perClass != null) {
            o.put("per-class", perClass);
        }
        return graft.format("idx", data).read(data, o).examples();
    }

    static double cpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Mean and standard deviation (over seeds) per strategy and label count. */
    static String table(List<Run> runs, int testSize) {
        Map<String, Map<Integer, List<Run>>> by = new LinkedHashMap<>();
        for (Run r : runs) {
            by.computeIfAbsent(r.strategy(), k -> new LinkedHashMap<>()).computeIfAbsent(r.labels(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder sb = new StringBuilder("| labels per class | strategy | seeds | test accuracy (mean ± std) | CPU s per run (mean) | wall s per run (mean) |\n"
                + "|---:|---|---:|---:|---:|---:|\n");
        List<Integer> counts = runs.stream().map(Run::labels).distinct().toList();
        for (int n : counts) {
            for (var e : by.entrySet()) {
                List<Run> rs = e.getValue().get(n);
                if (rs == null) {
                    continue;
                }
                double mean = rs.stream().mapToDouble(Run::accuracy).average().orElse(Double.NaN);
                double var = rs.stream().mapToDouble(r -> (r.accuracy() - mean) * (r.accuracy() - mean)).sum()
                        / Math.max(1, rs.size() - 1);
                sb.append(String.format(Locale.ROOT, "| %d | %s | %d | %.3f ± %.3f | %.0f | %.0f |%n", n, e.getKey(), rs.size(), mean,
                        Math.sqrt(var), rs.stream().mapToDouble(Run::cpuSeconds).average().orElse(0),
                        rs.stream().mapToDouble(Run::wallSeconds).average().orElse(0)));
            }
        }
        sb.append("\nTest set: ").append(testSize).append(" images of the target classes from t10k; std is the sample standard deviation.\n");
        return sb.toString();
    }
}
