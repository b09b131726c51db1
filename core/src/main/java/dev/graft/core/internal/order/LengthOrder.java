package dev.graft.core.internal.order;

import dev.graft.core.spi.Example;
import java.util.Arrays;
import java.util.List;

/**
 * The order an inference pass runs examples in: longest text first, so that each batch holds texts of about one
 * length and is padded less (a batch is padded to its longest text), as sentence-transformers' {@code encode} does.
 * The length is the text's in characters (a pair's, both texts'): a hint that costs nothing, where counting tokens
 * ({@code Backbone.sequenceLength}) would tokenise every text twice before the first batch runs. The answers go
 * back to each example's index, so callers see the examples' own order.
 */
public final class LengthOrder {
    private LengthOrder() {
    }

    /**
     * Indices of {@code examples}, longest first (equal lengths keep their order); null where the given order is as
     * good: at most one batch of {@code batchSize}, or inputs that are not texts or are all of one length.
     */
    public static int[] longestFirst(List<Example> examples, int batchSize) {
        if (examples.size() <= batchSize) {
            return null;
        }
        int[] length = new int[examples.size()];
        boolean differ = false;
        for (int i = 0; i < length.length; i++) {
            Object in = examples.get(i).input();
            length[i] = in instanceof String t ? t.length()
                    : in instanceof Example.TextPair t ? chars(t.first()) + chars(t.second()) : 0;
            differ |= length[i] != length[0];
        }
        if (!differ) {
            return null;
        }
        Integer[] idx = new Integer[length.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Integer.compare(length[b], length[a])); // a stable sort
        int[] order = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            order[i] = idx[i];
        }
        return order;
    }

    private static int chars(String s) {
        return s == null ? 0 : s.length();
    }
}
