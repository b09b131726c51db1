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

    /**
     * Applies a BatchNorm policy to groups, through the one per-group knob: trainable groups get
     * {@code batchStatistics} on ({@code TRAIN}) or off ({@code AFFINE_ONLY}, {@code FROZEN}); for
     * {@code FROZEN} a frozen group for every backbone BatchNorm parameter comes first. Frozen groups
     * are returned unchanged (their BatchNorm layers stay frozen).
     */
    public static List<ParamGroup> batchNorm(PlanContext c, List<ParamGroup> groups, BatchNormPolicy policy) {
        List<ParamGroup> out = new ArrayList<>();
        if (policy == BatchNormPolicy.FROZEN) {
            List<String> bn = c.batchNormParams().stream().filter(n -> n.startsWith(c.backboneScope() + ".")).toList();
            if (!bn.isEmpty()) {
                out.add(ParamGroup.frozen("batchnorm (frozen)", "re:" + bn.stream().map(java.util.regex.Pattern::quote)
                        .collect(java.util.stream.Collectors.joining("|"))));
            }
        }
        for (ParamGroup g : groups) {
            out.add(g.frozen() ? g : g.withBatchStatistics(policy == BatchNormPolicy.TRAIN));
        }
        return out;
    }

    /** Parameter names of the context that match a group pattern, in definition order. */
    public static List<String> matching(PlanContext c, String pattern) {
        java.util.regex.Pattern re = ParamGroup.toRegex(pattern);
        return c.parameters().stream().filter(n -> re.matcher(n).matches()).toList();
    }

    /**
     * Whether the backbone has BatchNorm layers (ResNet does; BERT, which normalises by LayerNorm, does
     * not). True when the context knows no parameter names.
     */
    public static boolean hasBatchNorm(PlanContext c) {
        return c.parameters().isEmpty() || c.batchNormParams().stream().anyMatch(n -> n.startsWith(c.backboneScope() + "."));
    }

    /**
     * Whether a block holds parameters (a pooling block such as ResNet's {@code pool} holds none, so
     * unfreezing it changes nothing). True when the context knows no parameter names.
     */
    public static boolean hasParameters(PlanContext c, Block b) {
        return c.parameters().isEmpty() || !matching(c, blockPattern(c, b)).isEmpty();
    }

    /**
     * Describes phases: each group frozen or trainable, with its absolute learning rate; BatchNorm is
     * mentioned only for a backbone that has it.
     */
    public static String describe(PlanContext c, List<Phase> phases) {
        boolean bn = hasBatchNorm(c);
        List<String> lines = new ArrayList<>();
        for (Phase p : phases) {
            lines.add("from epoch " + (p.startEpoch() + 1) + ": " + p.description());
            for (ParamGroup g : p.groups()) {
                lines.add("  " + g.name() + " (" + g.pattern() + "): "
                        + (g.frozen() ? "frozen" : String.format(Locale.ROOT, "trained at lr %.3g (x%.3g)%s",
                                c.headLearningRate() * g.lrMultiplier(), g.lrMultiplier(),
                                g.batchStatistics() || !bn ? "" : ", BatchNorm on moving statistics")));
            }
        }
        return String.join("\n", lines);
    }

    /** Describes phases and names the BatchNorm policy they were built with (when the backbone has BatchNorm). */
    public static String describe(PlanContext c, List<Phase> phases, BatchNormPolicy bn) {
        return describe(c, phases) + (hasBatchNorm(c) ? "\nBatchNorm in trainable blocks: "
                + bn.name().toLowerCase(Locale.ROOT).replace('_', ' ') : "");
    }
}
