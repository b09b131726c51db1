package dev.graft.core.internal.train;

import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A seeded train/validation split, stratified by label for classification. */
public final class Split {
    /** The two parts, each in the original order. */
    public record Parts(List<Example> train, List<Example> validation) {
    }

    private Split() {
    }

    /**
     * Holds out {@code fraction} of each class (rounded, at least one for classes of two or more
     * examples, never a class's only example); for other tasks, of all examples.
     */
    public static Parts stratified(List<Example> all, Task task, double fraction, long seed) {
        if (fraction == 0) {
            return new Parts(all, List.of());
        }
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < all.size(); i++) {
            String key = task == Task.CLASSIFICATION ? String.valueOf(all.get(i).label()) : "";
            byLabel.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        boolean[] held = new boolean[all.size()];
        int stratum = 0;
        for (Map.Entry<String, List<Integer>> e : byLabel.entrySet()) {
            List<Integer> idx = e.getValue();
            int[] perm = Seeds.permutation(idx.size(), Seeds.derive(seed, 0x5917L, stratum++));
            int take = (int) Math.round(idx.size() * fraction);
            if (idx.size() >= 2) {
                take = Math.max(1, Math.min(take, idx.size() - 1));
            } else {
                take = 0;
            }
            for (int k = 0; k < take; k++) {
                held[idx.get(perm[k])] = true;
            }
        }
        List<Example> train = new ArrayList<>();
        List<Example> val = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (held[i] ? val : train).add(all.get(i));
        }
        return new Parts(train, val);
    }

    /** Count of examples per label, in label order. */
    public static Map<String, Integer> counts(List<Example> examples) {
        Map<String, Integer> m = new LinkedHashMap<>();
        examples.forEach(e -> m.merge(String.valueOf(e.label()), 1, Integer::sum));
        return m;
    }
}
