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
 * Embedding throughput of all-minilm-l6-v2, side by side in one process on the same texts: Graft
 * (its BERT definition with the ONNX file's weights, TensorFlow engine, frozen, batches of 32,
 * tokenization included) against the model jar's own embedding (langchain4j's
 * {@code AllMiniLmL6V2EmbeddingModel.embedAll}: ONNX Runtime, one text per run, its default executor).
 * Both pool by masked mean and L2-normalise. Not a test: its output goes into docs/nlp.md.
 *
 * <p>Arguments: number of texts (default 512), rounds (default 3), batch (default 32). Texts are the
 * descriptions in /var/lib/dpkg/status (synopsis and long text, first 60 words).
 */
public final class SentenceEmbeddingBenchmark {
    private SentenceEmbeddingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        List<String> texts = descriptions(Path.of("/var/lib/dpkg/status"), n);
        System.out.printf(Locale.ROOT, "%d texts (Debian package descriptions, mean %.0f characters), %d rounds, best round kept%n",
                texts.size(), texts.stream().mapToInt(String::length).average().orElse(0), rounds);

        Engine engine = new ServiceLoaderEngineRegistry().get("tensorflow");
        BackboneProvider nlp = ServiceLoader.load(BackboneProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.backbones().contains("all-minilm-l6-v2")).findFirst().orElseThrow();
        AllMiniLmL6V2EmbeddingModel onnx = new AllMiniLmL6V2EmbeddingModel();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        try (Backbone b = nlp.create("all-minilm-l6-v2", Map.of("maxLength", "512"));
                CompiledModel m = engine.compile(network(b), 0)) {
            m.setParameters(b.weights());
            List<Example> examples = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                examples.add(new Example("dpkg:" + i, texts.get(i), null));
            }
            // warm-up: both sides, a few batches
            graft(b, m, examples.subList(0, Math.min(2 * batch, examples.size())), batch);
            onnx.embedAll(segments.subList(0, Math.min(2 * batch, segments.size())));
            // the same texts in batches of similar length (shortest first): less padding per batch
            List<Example> sorted = new ArrayList<>(examples);
            Map<Example, Integer> lengths = new java.util.HashMap<>();
            for (Example e : examples) {
                lengths.put(e, ((dev.graft.nlp.internal.BertBackbone) b).tokenizer().encode((String) e.input()).ids().length);
            }
            sorted.sort(java.util.Comparator.comparing(lengths::get));
            System.out.printf(Locale.ROOT, "tokens: %d real; padded batches of %d hold %d (file order) or %d (sorted by length)%n",
                    lengths.values().stream().mapToInt(Integer::intValue).sum(), batch, padded(examples, lengths, batch),
                    padded(sorted, lengths, batch));
            double[] bestGraft = null;
            double[] bestSorted = null;
            double[] bestOnnx = null;
            for (int r = 0; r < rounds; r++) {
                double[] g = timed(() -> graft(b, m, examples, batch));
                double[] gs = timed(() -> graft(b, m, sorted, batch));
                double[] o = timed(() -> onnx.embedAll(segments));
                System.out.printf(Locale.ROOT, "round %d: Graft %.2f s wall %.2f s CPU; sorted %.2f s wall %.2f s CPU; "
                        + "ONNX Runtime %.2f s wall %.2f s CPU%n", r + 1, g[0], g[1], gs[0], gs[1], o[0], o[1]);
                bestGraft = bestGraft == null || g[0] < bestGraft[0] ? g : bestGraft;
                bestSorted = bestSorted == null || gs[0] < bestSorted[0] ? gs : bestSorted;
                bestOnnx = bestOnnx == null || o[0] < bestOnnx[0] ? o : bestOnnx;
            }
            System.out.printf(Locale.ROOT, "%n%-44s %10s %10s %10s %14s%n", "all-minilm-l6-v2, " + texts.size() + " texts", "texts/s",
                    "wall (s)", "CPU (s)", "CPU ms / text");
            row("Graft, TensorFlow engine, frozen, batch " + batch, texts.size(), bestGraft);
            row("Graft, same, batches sorted by length", texts.size(), bestSorted);
            row("ONNX Runtime (langchain4j embedAll)", texts.size(), bestOnnx);
            System.out.printf(Locale.ROOT, "ratio Graft / ONNX Runtime: throughput x%.2f, CPU per text x%.2f (file order); "
                    + "throughput x%.2f, CPU per text x%.2f (sorted)%n", bestOnnx[0] / bestGraft[0], bestGraft[1] / bestOnnx[1],
                    bestOnnx[0] / bestSorted[0], bestSorted[1] / bestOnnx[1]);
        }
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
