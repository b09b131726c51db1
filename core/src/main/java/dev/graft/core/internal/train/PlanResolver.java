package dev.graft.core.internal.train;

import dev.graft.core.spi.Phase;
import dev.graft.core.spi.TransferPlan;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.ParamGroup;
import dev.graft.engine.spi.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a plan's phases into the engine's parameter groups. BatchNorm layers follow the one
 * per-group knob: the group that selects a layer's gamma decides. A frozen group keeps the layer
 * frozen (moving statistics used, never updated); a trainable group trains gamma/beta and, when its
 * {@code batchStatistics} is on, normalises with batch statistics and updates the moving ones,
 * otherwise uses and keeps the moving ones. Only the moving statistics get groups of their own
 * (placed first), so that they follow their layer's gamma; nothing else is overridden.
 */
public final class PlanResolver {
    /** One phase ready for {@link dev.graft.engine.spi.CompiledModel#configureTraining}. */
    public record ResolvedPhase(Phase phase, List<ParamGroup> groups, long trainableParameters, String table) {
    }

    private PlanResolver() {
    }

    public static List<ResolvedPhase> resolve(TransferPlan plan, Network net, double headLr) {
        return resolve(plan, net, headLr, List.of());
    }

    /**
     * @param noWeightDecay patterns whose parameters skip the optimizer's weight decay: each trainable
     *                      group gets a twin with weight decay 0 for them, placed just before it
     */
    public static List<ResolvedPhase> resolve(TransferPlan plan, Network net, double headLr, List<String> noWeightDecay) {
        List<ResolvedPhase> out = new ArrayList<>();
        for (Phase p : plan.phases()) {
            out.add(resolve(p, net, headLr, noWeightDecay));
        }
        return out;
    }

    static ResolvedPhase resolve(Phase phase, Network net, double headLr) {
        return resolve(phase, net, headLr, List.of());
    }

    /** The groups with, before each trainable one, its twin without weight decay for the matching parameters. */
    static List<ParamGroup> withoutDecay(List<ParamGroup> groups, List<String> patterns) {
        if (patterns.isEmpty()) {
            return groups;
        }
        String nwd = patterns.stream().map(p -> "(?:" + ParamGroup.toRegex(p).pattern() + ")").collect(Collectors.joining("|"));
        List<ParamGroup> out = new ArrayList<>();
        for (ParamGroup g : groups) {
            if (!g.frozen()) {
                out.add(new ParamGroup(g.name() + " (no weight decay)", "re:(?=(?:" + ParamGroup.toRegex(g.pattern()).pattern()
                        + ")$)(?:" + nwd + ")", false, g.lrMultiplier(), 0.0, g.batchStatistics()));
            }
            out.add(g);
        }
        out.add(new ParamGroup("(no group: default) (no weight decay)", "re:" + nwd, false, 1.0, 0.0, true));
        return out;
    }

    /** Full names of every BatchNorm layer's gamma, beta and moving statistics. */
    public static List<String> batchNormParams(Network net) {
        List<String> out = new ArrayList<>();
        for (Node n : net.nodes()) {
            if (n.op() == Op.BATCH_NORM) {
                for (int i = 1; i <= 4; i++) {
                    addIfNotNull(out, paramName(net, n.input(i)));
                }
            }
        }
        return out;
    }

    static ResolvedPhase resolve(Phase phase, Network net, double headLr, List<String> noWeightDecay) {
        TrainingConfig base = TrainingConfig.of(dev.graft.engine.spi.train.OptimizerSpec.sgd(0), s -> 1).withGroups(phase.groups());
        List<String> fixedStats = new ArrayList<>();
        List<String> updatedStats = new ArrayList<>();
        int trainingLayers = 0;
        int layers = 0;
        for (Node n : net.nodes()) {
            if (n.op() != Op.BATCH_NORM) {
                continue;
            }
            layers++;
            String gamma = paramName(net, n.input(1));
            String mean = paramName(net, n.input(3));
            String var = paramName(net, n.input(4));
            ParamGroup g = base.groupOf(gamma != null ? gamma : mean != null ? mean : "");
            if (!g.frozen() && g.batchStatistics()) {
                addIfNotNull(updatedStats, mean, var);
                trainingLayers++;
            } else {
                addIfNotNull(fixedStats, mean, var);
            }
        }
        List<ParamGroup> groups = new ArrayList<>();
        if (!fixedStats.isEmpty()) {
            groups.add(ParamGroup.frozen("batchnorm moving statistics (kept)", regex(fixedStats)));
        }
        if (!updatedStats.isEmpty()) {
            groups.add(new ParamGroup("batchnorm moving statistics (updated)", regex(updatedStats), true, 0, Double.NaN, true));
        }
        groups.addAll(withoutDecay(phase.groups(), noWeightDecay));
        TrainingConfig resolved = base.withGroups(groups);
        long trainable = 0;
        List<String> lines = new ArrayList<>();
        for (ParamGroup g : groups) {
            long count = 0;
            long trainableHere = 0;
            for (ParamSpec p : net.params().values()) {
                if (resolved.groupOf(p.name()) == g) {
                    count += p.size();
                    trainableHere += p.trainable() && !g.frozen() ? p.size() : 0;
                }
            }
            trainable += trainableHere;
            lines.add(String.format(Locale.ROOT, "  %-40s %-12s %14s %,12d params", g.name(),
                    g.frozen() ? "frozen" : "trainable",
                    g.frozen() ? (g.batchStatistics() ? "batch stats" : "-")
                            : String.format(Locale.ROOT, "lr %.3g", headLr * g.lrMultiplier()), count));
        }
        long unmatched = 0;
        for (ParamSpec p : net.params().values()) {
            if (resolved.groupOf(p.name()) == TrainingConfig.DEFAULT_GROUP && p.trainable()) {
                unmatched += p.size();
            }
        }
        if (unmatched > 0) {
            trainable += unmatched;
            lines.add(String.format(Locale.ROOT, "  %-40s %-12s %14s %,12d params", "(no group: default)", "trainable",
                    String.format(Locale.ROOT, "lr %.3g", headLr), unmatched));
        }
        String table = String.format(Locale.ROOT, "from epoch %d: %s; BatchNorm: %d of %d layer(s) on batch statistics; "
                + "%,d trainable parameters%n%s", phase.startEpoch() + 1, phase.description(), trainingLayers, layers, trainable,
                String.join("\n", lines));
        return new ResolvedPhase(phase, List.copyOf(groups), trainable, table);
    }

    private static String paramName(Network net, int nodeId) {
        Node n = net.node(nodeId);
        return n.op() == Op.PARAM ? n.attrs().getString("name") : null;
    }

    private static void addIfNotNull(List<String> list, String... names) {
        for (String s : names) {
            if (s != null) {
                list.add(s);
            }
        }
    }

    private static String regex(List<String> names) {
        return "re:" + names.stream().map(Pattern::quote).collect(Collectors.joining("|"));
    }
}
