package dev.graft.core.strategy;

import dev.graft.core.spi.BatchNormPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed choices of the built-in strategies, for Java code that wants completion instead of string
 * maps: {@code pipeline.strategy(Strategies.lora().rank(8).alpha(16))}. Each builds the same id and
 * options a string map would; the strategy validates them when it plans.
 */
public final class Strategies {
    private Strategies() {
    }

    /** A strategy id and its options. Immutable; {@link #with} returns a copy. */
    public static class Choice {
        private final String id;
        private final Map<String, String> options;

        Choice(String id, Map<String, String> options) {
            this.id = id;
            this.options = Map.copyOf(options);
        }

        public final String id() {
            return id;
        }

        public final Map<String, String> options() {
            return options;
        }

        /** Any option by name (for plugin strategies and options without a typed setter). */
        public Choice with(String key, Object value) {
            return new Choice(id, put(key, value));
        }

        final Map<String, String> put(String key, Object value) {
            Map<String, String> m = new LinkedHashMap<>(options);
            m.put(key, String.valueOf(value));
            return m;
        }

        @Override
        public String toString() {
            return id + options;
        }
    }

    static String bn(BatchNormPolicy p) {
        return p == BatchNormPolicy.AFFINE_ONLY ? "affine" : p.name().toLowerCase(Locale.ROOT);
    }

    /** Any strategy by id (a plugin's). */
    public static Choice of(String id) {
        return new Choice(id, Map.of());
    }

    public static FeatureExtraction featureExtraction() {
        return new FeatureExtraction(Map.of());
    }

    public static FineTuning fineTuning() {
        return new FineTuning(Map.of());
    }

    public static Hybrid hybrid(String cut) {
        return new Hybrid(Map.of("cut", cut));
    }

    public static Lora lora() {
        return new Lora(Map.of());
    }

    public static L2Sp l2Sp() {
        return new L2Sp(Map.of());
    }

    public static SetFit setFit() {
        return new SetFit(Map.of());
    }

    public static final class FeatureExtraction extends Choice {
        FeatureExtraction(Map<String, String> o) {
            super("feature-extraction", o);
        }

        public FeatureExtraction cache(boolean on) {
            return new FeatureExtraction(put("cache", on));
        }
    }

    public static final class FineTuning extends Choice {
        FineTuning(Map<String, String> o) {
            super("fine-tuning", o);
        }

        public FineTuning blocks(int top) {
            return new FineTuning(put("blocks", top));
        }

        public FineTuning backboneLr(double lr) {
            return new FineTuning(put("backboneLr", lr));
        }

        /** Layer-wise learning-rate decay per block going down. */
        public FineTuning lrDecay(double factor) {
            return new FineTuning(put("lrDecay", factor));
        }

        public FineTuning warmupEpochs(int n) {
            return new FineTuning(put("warmupEpochs", n));
        }

        public FineTuning batchNorm(BatchNormPolicy p) {
            return new FineTuning(put("batchNorm", bn(p)));
        }
    }

    public static final class Hybrid extends Choice {
        Hybrid(Map<String, String> o) {
            super("hybrid", o);
        }

        public Hybrid unfreezeEvery(int epochs) {
            return new Hybrid(put("unfreezeEvery", epochs));
        }

        public Hybrid backboneLr(double lr) {
            return new Hybrid(put("backboneLr", lr));
        }

        public Hybrid warmupEpochs(int n) {
            return new Hybrid(put("warmupEpochs", n));
        }

        public Hybrid batchNorm(BatchNormPolicy p) {
            return new Hybrid(put("batchNorm", bn(p)));
        }
    }

    public static final class Lora extends Choice {
        Lora(Map<String, String> o) {
            super("lora", o);
        }

        public Lora rank(int r) {
            return new Lora(put("rank", r));
        }

        public Lora alpha(double a) {
            return new Lora(put("alpha", a));
        }

        public Lora dropout(double rate) {
            return new Lora(put("dropout", rate));
        }

        /** Parameter patterns of the kernels to adapt. */
        public Lora targets(List<String> patterns) {
            return new Lora(put("targets", String.join(",", patterns)));
        }

        public Lora lrFactor(double f) {
            return new Lora(put("lrFactor", f));
        }
    }

    public static final class L2Sp extends Choice {
        L2Sp(Map<String, String> o) {
            super("l2-sp", o);
        }

        public L2Sp alpha(double a) {
            return new L2Sp(put("alpha", a));
        }

        public L2Sp beta(double b) {
            return new L2Sp(put("beta", b));
        }

        public L2Sp backboneLr(double lr) {
            return new L2Sp(put("backboneLr", lr));
        }

        public L2Sp warmupEpochs(int n) {
            return new L2Sp(put("warmupEpochs", n));
        }

        public L2Sp batchNorm(BatchNormPolicy p) {
            return new L2Sp(put("batchNorm", bn(p)));
        }
    }

    public static final class SetFit extends Choice {
        SetFit(Map<String, String> o) {
            super("setfit", o);
        }

        public SetFit bodyEpochs(int n) {
            return new SetFit(put("bodyEpochs", n));
        }

        public SetFit pairs(int perExample) {
            return new SetFit(put("pairs", perExample));
        }

        public SetFit bodyLr(double lr) {
            return new SetFit(put("bodyLr", lr));
        }
    }
}
