package dev.graft.nlp.bench;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Embedding throughput of all-minilm-l6-v2, side by side in one process on the same texts, alternating:
 * <ul>
 * <li>Graft's real feature pass, the one {@code graft fit -s feature-extraction} runs: a {@code Pipeline}
 * with the feature-extraction strategy and an empty feature cache (so every text is computed), batches of
 * 32 in order of token length; timed from the first to the last batch (tokenization included; the
 * backbone's compilation and weight loading before it, the head's training after it, are not);</li>
 * <li>the same backbone driven by hand in file order (batches of 32 as the texts come: the feature pass
 * before it sorted by length), for reference;</li>
 * <li>the model jar's own embedding (langchain4j's {@code AllMiniLmL6V2EmbeddingModel.embedAll}: ONNX
 * Runtime, one text per run, its default executor).</li>
 * </ul>
 * All pool by masked mean and L2-normalise. Each round runs the three once, in an order rotated from
 * round to round; the ratios are per round (same round, same machine load), and their median is
 * reported. Not a test: its output goes into docs/nlp.md.
 *
 * <p>Arguments: number of texts (default 512), rounds (default 5), batch (default 32). Texts are the
 * descriptions in /var/lib/dpkg/status (synopsis and long text, first 60 words).
 */
public final class SentenceEmbeddingBenchmark {
    private SentenceEmbeddingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        List<String> texts = descriptions(Path.of("/var/lib/dpkg/status"), n);
        System.out.printf(Locale.ROOT, "%d texts (Debian package descriptions, mean %.0f characters), %d interleaved rounds, medians reported%n",
                texts.size(), texts.stream().mapToInt(String::length).average().orElse(0), rounds);

        Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");
        BackboneProvider nlp = ServiceLoader.load(BackboneProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.backbones().contains("all-minilm-l6-v2")).findFirst().orElseThrow();
        AllMiniLmL6V2EmbeddingModel onnx = new AllMiniLmL6V2EmbeddingModel();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        dev.graft.core.Graft graft = dev.graft.core.Graft.create();
        Path caches = Files.createTempDirectory("graft-embedding-bench");
        try (Backbone b = nlp.create("all-minilm-l6-v2", Map.of("maxLength", "512"));
                CompiledModel m = engine.compile(network(b), 0)) {
            m.setParameters(b.weights());
            List<Example> examples = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                examples.add(new Example("dpkg:" + i, texts.get(i), "c" + i % 4));
            }
            // warm-up: each side, a few batches
            graft(b, m, examples.subList(0, Math.min(2 * batch, examples.size())), batch);
            onnx.embedAll(segments.subList(0, Math.min(2 * batch, segments.size())));
            fitFeaturePass(graft, examples.subList(0, Math.min(2 * batch, examples.size())), batch, caches.resolve("warm-up"));
            Map<Example, Integer> lengths = new java.util.HashMap<>();
            for (Example e : examples) {
                lengths.put(e, b.sequenceLength(e));
            }
            List<Example> sorted = new ArrayList<>(examples);
            sorted.sort(java.util.Comparator.comparing(lengths::get));
            System.out.printf(Locale.ROOT, "tokens: %d real; padded to a multiple of 8, batches of %d hold %d (file order) or %d (sorted by length)%n",
                    lengths.values().stream().mapToInt(Integer::intValue).sum(), batch, padded(examples, lengths, batch),
                    padded(sorted, lengths, batch));
            System.out.printf(Locale.ROOT, "padded to the batch's longest exactly (inference, since 2026-12-02): %d (sorted by length)%n",
                    paddedExact(sorted, lengths, batch));
            // interleaved: each round runs the three in a rotated order, so no side always runs first or last
            List<double[]> fits = new ArrayList<>();
            List<double[]> files = new ArrayList<>();
            List<double[]> onnxes = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] f = null;
                double[] g = null;
                double[] o = null;
                for (int k = 0; k < 3; k++) {
                    switch ((r + k) % 3) {
                        case 0 -> f = fitFeaturePass(graft, examples, batch, caches.resolve("round-" + r));
                        case 1 -> g = timed(() -> graft(b, m, examples, batch));
                        default -> o = timed(() -> onnx.embedAll(segments));
                    }
                }
                fits.add(f);
                files.add(g);
                onnxes.add(o);
                System.out.printf(Locale.ROOT, "round %d (first: %s): Graft fit's feature pass %.2f s wall %.2f s CPU; file order %.2f s "
                        + "wall %.2f s CPU; ONNX Runtime %.2f s wall %.2f s CPU; Graft / ONNX Runtime: throughput x%.2f, texts per CPU "
                        + "second x%.2f%n", r + 1, List.of("feature pass", "file order", "ONNX Runtime").get(r % 3), f[0], f[1], g[0],
                        g[1], o[0], o[1], o[0] / f[0], o[1] / f[1]);
            }
            System.out.printf(Locale.ROOT, "%n%-52s %10s %10s %10s %14s%n", "all-minilm-l6-v2, " + texts.size() + " texts, median round",
                    "texts/s", "wall (s)", "CPU (s)", "CPU ms / text");
            row("Graft fit's feature pass (by length), batch " + batch, texts.size(), median(fits));
            row("Graft, same backbone, file order, batch " + batch, texts.size(), median(files));
            row("ONNX Runtime (langchain4j embedAll)", texts.size(), median(onnxes));
            System.out.printf(Locale.ROOT, "ratio Graft fit's feature pass / ONNX Runtime over %d interleaved rounds: throughput median x%.2f "
                    + "(sums x%.2f), texts per CPU second median x%.2f (sums x%.2f)%n", rounds, medianRatio(onnxes, fits, 0),
                    sum(onnxes, 0) / sum(fits, 0), medianRatio(onnxes, fits, 1), sum(onnxes, 1) / sum(fits, 1));
            System.out.printf(Locale.ROOT, "ratio Graft file order / ONNX Runtime: throughput median x%.2f, texts per CPU second median x%.2f%n",
                    medianRatio(onnxes, files, 0), medianRatio(onnxes, files, 1));
        }
        System.exit(0); // native engine and ONNX Runtime threads must not keep the JVM alive
    }

    /** The median of a / b over rounds, for column {@code col} (0 wall, 1 CPU). */
    private static double medianRatio(List<double[]> a, List<double[]> b, int col) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i)[col] / b.get(i)[col];
        }
        java.util.Arrays.sort(r);
        return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    private static double sum(List<double[]> xs, int col) {
        return xs.stream().mapToDouble(x -> x[col]).sum();
    }

    /** The round of median wall time. */
    private static double[] median(List<double[]> xs) {
        List<double[]> s = new ArrayList<>(xs);
        s.sort(java.util.Comparator.comparingDouble(x -> x[0]));
        return s.get(s.size() / 2);
    }

    private static long paddedExact(List<Example> order, Map<Example, Integer> lengths, int batch) {
        long total = 0;
        for (int i = 0; i < order.size(); i += batch) {
            List<Example> part = order.subList(i, Math.min(order.size(), i + batch));
            total += (long) part.stream().mapToInt(lengths::get).max().orElse(0) * part.size();
        }
        return total;
    }

    /**
     * Wall and CPU seconds of the feature pass of a feature-extraction pipeline (what {@code graft fit} runs)
     * over an empty cache: from the first feature-progress call (backbone compiled, nothing computed) to the last.
     */
    private static double[] fitFeaturePass(dev.graft.core.Graft graft, List<Example> examples, int batch, Path cache)
            throws java.io.IOException {
        double[] t = new double[4];
        dev.graft.core.pipeline.PipelineResult r = graft.pipeline().data(examples).backbone("all-minilm-l6-v2",
                Map.of("maxLength", "512")).strategy("feature-extraction", Map.of("head", "sgd"))
                .head(dev.graft.core.config.HeadConfig.linear(dev.graft.core.spi.Task.CLASSIFICATION))
                .trainer(dev.graft.core.train.TrainerConfig.defaults().withEpochs(1).withBatchSize(batch).withProgress(false))
                .engine("tensorflow").cacheDir(cache).listener(new dev.graft.core.train.TrainingListener() {
                    @Override
                    public void onFeatures(int done, int total) {
                        if (done == 0) {
                            t[0] = System.nanoTime() / 1e9;
                            t[1] = BertBenchmark.cpuSeconds();
                        } else if (done == total) {
                            t[2] = System.nanoTime() / 1e9;
                            t[3] = BertBenchmark.cpuSeconds();
                        }
                    }
                }).run();
        if (r.featureCache().computed() + r.featureCache().repeated() != examples.size() || t[2] == 0) {
            throw new IllegalStateException("the feature pass did not compute every text: " + r.featureCache());
        }
        return new double[] {t[2] - t[0], t[3] - t[1]};
    }

    private static long padded(List<Example> order, Map<Example, Integer> lengths, int batch) {
        long total = 0;
        for (int i = 0; i < order.size(); i += batch) {
            List<Example> part = order.subList(i, Math.min(order.size(), i + batch));
            int longest = part.stream().mapToInt(lengths::get).max().orElse(0);
            total += (long) ((longest + 7) / 8 * 8) * part.size();
        }
        return total;
    }

    private static void row(String what, int n, double[] t) {
        System.out.printf(Locale.ROOT, "%-44s %10.1f %10.2f %10.2f %14.2f%n", what, n / t[0], t[0], t[1], 1000 * t[1] / n);
    }

    private static dev.graft.engine.spi.graph.Network network(Backbone b) {
        NetworkBuilder nb = new NetworkBuilder();
        Map<String, Node> in = new LinkedHashMap<>();
        b.inputs().forEach(s -> in.put(s.name(), nb.input(s.name(), s.dtype(), s.shape().dims())));
        Node features;
        try (NetworkBuilder.Scope s = nb.scope("backbone")) {
            features = b.build(nb, in);
        }
        return nb.output("features", features).build();
    }

    private static void graft(Backbone b, CompiledModel m, List<Example> examples, int batch) {
        for (int i = 0; i < examples.size(); i += batch) {
            List<Example> part = examples.subList(i, Math.min(examples.size(), i + batch));
            HostTensor out = m.predict(b.encode(part, false, 0), List.of("features")).get("features");
            if (out.shape().dim(0) != part.size()) {
                throw new IllegalStateException("wrong batch size out");
            }
        }
    }

    /** Wall and process CPU seconds (all threads: Java, TensorFlow and ONNX Runtime alike). */
    private static double[] timed(Runnable r) {
        double c0 = BertBenchmark.cpuSeconds();
        long t0 = System.nanoTime();
        r.run();
        return new double[] {(System.nanoTime() - t0) / 1e9, BertBenchmark.cpuSeconds() - c0};
    }

    /** Synopsis and long description of each package, the first 60 words. */
    static List<String> descriptions(Path status, int n) throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
            if (line.startsWith("Description: ")) {
                cur = new StringBuilder(line.substring("Description: ".length()));
            } else if (cur != null && line.startsWith(" ")) {
                String t = line.trim();
                if (!t.equals(".")) {
                    cur.append(' ').append(t);
                }
            } else if (cur != null) {
                String[] words = cur.toString().trim().split("\\s+");
                out.add(String.join(" ", java.util.Arrays.copyOf(words, Math.min(60, words.length))));
                cur = null;
                if (out.size() == n) {
                    break;
                }
            }
        }
        return out;
    }
}
