package dev.graft.core.strategy;

import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Phase;
import dev.graft.core.spi.PlanContext;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Helpers for writing strategies: block lookup, group patterns, explanations. */
public final class Plans {
    private Plans() {
    }

    /** All backbone parameters, e.g. {@code backbone.**}. */
    public static String backbonePattern(PlanContext c) {
        return c.backboneScope() + ".**";
    }

    /** All head parameters, e.g. {@code head.**}. */
    public static String headPattern(PlanContext c) {
        return c.headScope() + ".**";
    }

    /**
     * A block's pattern over full parameter names. Block patterns may be written with or without
     * the backbone scope ({@code layer4.**} and {@code backbone.layer4.**} mean the same); regular
     * expressions ({@code re:...}) are used as they are.
     */
    public static String blockPattern(PlanContext c, Block b) {
        String p = b.pattern();
        if (p.startsWith("re:") || p.startsWith(c.backboneScope() + ".")) {
            return p;
        }
        return c.backboneScope() + "." + p;
    }

    /**
     * The index of a cut point given by block name or by index (0 = bottom block).
     *
     * @throws IllegalArgumentException listing the valid cut points
     */
    public static int blockIndex(PlanContext c, String strategy, String cut) {
        List<Block> blocks = c.blocks();
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).name().equals(cut)) {
                return i;
            }
        }
        try {
            int i = Integer.parseInt(cut.trim());
            if (i >= 0 && i < blocks.size()) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // not an index: fall through to the error
        }
        throw new IllegalArgumentException("strategy '" + strategy + "': unknown cut point '" + cut + "' for backbone '"
                + c.backbone() + "'; valid cut points: " + blocks.stream().map(Block::name).toList()
                + (blocks.isEmpty() ? "" : " or an index 0.." + (blocks.size() - 1)));
    }

    /** A trainable group for the head at multiplier 1. */
    public static ParamGroup head(PlanContext c) {
        return ParamGroup.trainable("head", headPattern(c), 1.0);
    }

    /** Describes phases: each group frozen or trainable, with its absolute learning rate. */
    public static String describe(PlanContext c, List<Phase> phases, BatchNormPolicy bn) {
        List<String> lines = new ArrayList<>();
        for (Phase p : phases) {
            lines.add("from epoch " + (p.startEpoch() + 1) + ": " + p.description());
            for (ParamGroup g : p.groups()) {
                lines.add("  " + g.name() + " (" + g.pattern() + "): "
                        + (g.frozen() ? "frozen" : String.format(Locale.ROOT, "trained at lr %.3g (x%.3g)",
                                c.headLearningRate() * g.lrMultiplier(), g.lrMultiplier())));
            }
        }
        lines.add("BatchNorm in trainable blocks: " + bn.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        return String.join("\n", lines);
    }
}
