package dev.graft.core.internal.strategies;

import dev.graft.core.spi.Example;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.TrainingObjective;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * SetFit's first phase (Tunstall et al. 2022): contrastive tuning of the encoder on pairs of
 * labelled examples. Each epoch draws, for every example, {@code pairs} partners (alternately of the
 * same and of another class), shuffles the pairs, and packs {@code N = batchSize / 2} of them into
 * a batch of 2N examples ({@code a1..aN, b1..bN}). The loss regresses the cosine similarity of the
 * two features onto 1 (same class) or 0 with mean squared error.
 *
 * <p>Cosine similarity from the op set alone: for {@code z = [x, -x]} (mean exactly 0),
 * {@code layerNorm(z)} with unit gamma and zero beta is {@code z sqrt(2D) / ||z||}, so its first D
 * columns are {@code x sqrt(D) / ||x||}; the mean over D of the product of two such rows is the cosine.
 */
public final class SetFitObjective implements TrainingObjective {
    public static final String TARGET = "pair_target";
    private final Phase phase;
    private final int pairs;

    public SetFitObjective(Phase phase, int pairs) {
        this.phase = phase;
        this.pairs = pairs;
    }

    @Override
    public boolean trains(Phase p) {
        return p.equals(phase);
    }

    @Override
    public List<Batch> batches(List<Example> train, int batchSize, int epoch, long seed) {
        Map<String, List<Example>> byLabel = new LinkedHashMap<>();
        for (Example e : train) {
            byLabel.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e);
        }
        if (byLabel.size() < 2) {
            throw new IllegalArgumentException("setfit needs examples of at least two labels to build pairs, got " + byLabel.keySet());
        }
        List<String> labels = new ArrayList<>(byLabel.keySet());
        Random r = new Random(seed);
        List<Example[]> pos = new ArrayList<>();
        List<Example[]> neg = new ArrayList<>();
        for (Example a : train) {
            for (int k = 0; k < pairs; k++) {
                if (k % 2 == 0) {
                    List<Example> same = byLabel.get(a.label());
                    pos.add(new Example[] {a, same.get(r.nextInt(same.size()))});
                } else {
                    String other = labels.get(r.nextInt(labels.size() - 1));
                    if (other.equals(a.label())) {
                        other = labels.get(labels.size() - 1);
                    }
                    List<Example> diff = byLabel.get(other);
                    neg.add(new Example[] {a, diff.get(r.nextInt(diff.size()))});
                }
            }
        }
        List<Object[]> all = new ArrayList<>();
        pos.forEach(p -> all.add(new Object[] {p, 1f}));
        neg.forEach(p -> all.add(new Object[] {p, 0f}));
        Collections.shuffle(all, r);
        int n = Math.max(1, batchSize / 2);
        List<Batch> out = new ArrayList<>();
        for (int from = 0; from < all.size(); from += n) {
            List<Object[]> chunk = all.subList(from, Math.min(all.size(), from + n));
            List<Example> first = new ArrayList<>();
            List<Example> second = new ArrayList<>();
            float[] target = new float[chunk.size()];
            for (int i = 0; i < chunk.size(); i++) {
                Example[] p = (Example[]) chunk.get(i)[0];
                first.add(p[0]);
                second.add(p[1]);
                target[i] = (Float) chunk.get(i)[1];
            }
            first.addAll(second);
            out.add(new Batch(first, Map.of(TARGET, HostTensor.of(target, target.length))));
        }
        return out;
    }

    @Override
    public Node loss(NetworkBuilder b, Node features) {
        long d = features.shape().dim(1);
        try (NetworkBuilder.Scope s = b.scope("setfit")) {
            Node halves = b.reshape(features, 2, -1, d);
            Node a = unit(b, b.reshape(b.slice(halves, new long[] {0, 0, 0}, new long[] {1, -1, -1}), -1, d), d);
            Node c = unit(b, b.reshape(b.slice(halves, new long[] {1, 0, 0}, new long[] {1, -1, -1}), -1, d), d);
            Node cosine = b.mul(b.sum(b.mul(a, c), false, 1), b.scalar(1.0 / d));
            b.output("pair_cosine", cosine);
            Node target = b.input(TARGET, DType.FLOAT32, -1);
            return b.meanSquaredError(cosine, target);
        }
    }

    /** {@code x sqrt(D) / ||x||} per row, through a layer norm of {@code [x, -x]}. */
    private static Node unit(NetworkBuilder b, Node x, long d) {
        Node z = b.concat(1, x, b.mul(x, b.scalar(-1)));
        Node gamma = b.paramNamed(b.qualify("norm.gamma"), Initializer.ones(), false, DType.FLOAT32, 2 * d);
        Node beta = b.paramNamed(b.qualify("norm.beta"), Initializer.zeros(), false, DType.FLOAT32, 2 * d);
        return b.slice(b.layerNorm(z, gamma, beta, 1e-12), new long[] {0, 0}, new long[] {-1, d});
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "setfit pair objective: %d pair(s) per example per epoch, cosine similarity vs "
                + "same-class target, mean squared error", pairs);
    }
}
