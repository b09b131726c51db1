package dev.graft.core.internal.train;

import dev.graft.core.spi.BatchNormPolicy;
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
 * Turns a plan's phases into the engine's parameter groups, applying the BatchNorm policy to each
 * BatchNorm layer: a layer whose gamma falls in a frozen group is frozen entirely (moving
 * statistics used, never updated); in a trainable group, {@code FROZEN} also freezes gamma/beta,
 * {@code AFFINE_ONLY} trains gamma/beta on the moving statistics, {@code TRAIN} trains gamma/beta
 * with batch statistics and updates the moving ones.
 */
public final class PlanResolver {
    /** One phase ready for {@link dev.graft.engine.spi.CompiledModel#configureTraining}. */
    public record ResolvedPhase(Phase phase, List<ParamGroup> groups, long trainableParameters, String table) {
    }

    private PlanResolver() {
    }

    public static List<ResolvedPhase> resolve(TransferPlan plan, Network net, double headLr) {
        List<ResolvedPhase> out = new ArrayList<>();
        for (Phase p : plan.phases()) {
            out.add(resolve(p, plan.batchNorm(), net, headLr));
        }
        return out;
    }

    static ResolvedPhase resolve(Phase phase, BatchNormPolicy policy, Network net, double headLr) {
        TrainingConfig base = TrainingConfig.of(dev.graft.engine.spi.train.OptimizerSpec.sgd(0), s -> 1).withGroups(phase.groups());
        List<String> frozenAffine = new ArrayList<>();
        List<String> fixedStats = new ArrayList<>();
        List<String> updatedStats = new ArrayList<>();
        for (Node n : net.nodes()) {
            if (n.op() != Op.BATCH_NORM) {
                continue;
            }
            String gamma = paramName(net, n.input(1));
            String beta = paramName(net, n.input(2));
            String mean = paramName(net, n.input(3));
            String var = paramName(net, n.input(4));
            boolean layerTrains = gamma != null && !base.groupOf(gamma).frozen();
            if (!layerTrains || policy == BatchNormPolicy.FROZEN) {
                addIfNotNull(frozenAffine, gamma, beta);
            }
            if (layerTrains && policy == BatchNormPolicy.TRAIN) {
                addIfNotNull(updatedStats, mean, var);
            } else {
                addIfNotNull(fixedStats, mean, var);
            }
        }
        List<ParamGroup> groups = new ArrayList<>();
        if (!frozenAffine.isEmpty()) {
            groups.add(ParamGroup.frozen("batchnorm gamma/beta (frozen by policy)", regex(frozenAffine)));
        }
        if (!fixedStats.isEmpty()) {
            groups.add(ParamGroup.frozen("batchnorm moving statistics (kept)", regex(fixedStats)));
        }
        if (!updatedStats.isEmpty()) {
            groups.add(new ParamGroup("batchnorm moving statistics (updated)", regex(updatedStats), true, 0, Double.NaN, true));
        }
        groups.addAll(phase.groups());
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
        String table = String.format(Locale.ROOT, "from epoch %d: %s; BatchNorm %s; %,d trainable parameters%n%s",
                phase.startEpoch() + 1, phase.description(), policy.name().toLowerCase(Locale.ROOT).replace('_', ' '), trainable,
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
