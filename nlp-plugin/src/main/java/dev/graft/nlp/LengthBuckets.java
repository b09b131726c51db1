package dev.graft.nlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Length bucketing: batches of texts of similar token length, so that with dynamic padding
 * ({@link BertBatch#tensors}) a batch of short texts does not pay for the longest text of the data
 * set. Examples are shuffled, sorted by length within windows of {@code window} batches, cut into
 * batches, and the batches shuffled again, so that training still sees a random order.
 */
public final class LengthBuckets {
    private LengthBuckets() {
    }

    /** Batches of example indices; every index appears exactly once. Deterministic for a seed. */
    public static List<int[]> batches(int[] lengths, int batchSize, int window, long seed) {
        if (batchSize < 1 || window < 1) {
            throw new IllegalArgumentException("batch size and window must be >= 1, got " + batchSize + " and " + window);
        }
        Random r = new Random(seed);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, r);
        List<int[]> out = new ArrayList<>();
        int chunk = batchSize * window;
        for (int from = 0; from < order.size(); from += chunk) {
            List<Integer> part = new ArrayList<>(order.subList(from, Math.min(order.size(), from + chunk)));
            part.sort(Comparator.comparingInt(i -> lengths[i]));
            for (int b = 0; b < part.size(); b += batchSize) {
                out.add(part.subList(b, Math.min(part.size(), b + batchSize)).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        Collections.shuffle(out, r);
        return out;
    }

    /** Token positions computed (padding included) when each batch is padded to its longest member. */
    public static long paddedTokens(List<int[]> batches, int[] lengths) {
        long total = 0;
        for (int[] b : batches) {
            int max = Arrays.stream(b).map(i -> lengths[i]).max().orElse(0);
            total += (long) max * b.length;
        }
        return total;
    }

    /** Token lengths (special tokens included, after truncation) of texts under a tokenizer. */
    public static int[] lengths(TextTokenizer tokenizer, List<String> texts) {
        int[] out = new int[texts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tokenizer.encode(texts.get(i)).ids().length;
        }
        return out;
    }
}
