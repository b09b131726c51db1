package dev.graft.weights;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Follows MatMul outputs to the bias Add they feed, to name anonymous kernels. */
final class OnnxKernels {
    private OnnxKernels() {
    }

    static List<OnnxModel.KernelBinding> bind(List<OnnxModel.OnnxNode> nodes, Set<String> initializers) {
        Map<String, List<OnnxModel.OnnxNode>> consumers = new HashMap<>();
        Map<String, Integer> kernelUses = new HashMap<>();
        for (OnnxModel.OnnxNode n : nodes) {
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
            if (isKernelMatMul(n, initializers)) {
                kernelUses.merge(n.inputs().get(1), 1, Integer::sum);
            }
        }
        List<OnnxModel.KernelBinding> out = new ArrayList<>();
        for (OnnxModel.OnnxNode n : nodes) {
            if (!isKernelMatMul(n, initializers) || n.outputs().size() != 1 || kernelUses.get(n.inputs().get(1)) != 1) {
                continue;
            }
            List<OnnxModel.OnnxNode> next = consumers.getOrDefault(n.outputs().get(0), List.of());
            if (next.size() != 1) {
                continue;
            }
            OnnxModel.OnnxNode add = next.get(0);
            if (!add.opType().equals("Add") || add.inputs().size() != 2) {
                continue;
            }
            String product = n.outputs().get(0);
            String other = add.inputs().get(0).equals(product) ? add.inputs().get(1) : add.inputs().get(0);
            if (other.equals(product) || !initializers.contains(other)) {
                continue;
            }
            out.add(new OnnxModel.KernelBinding(n.inputs().get(1), other, n.name(), add.name()));
        }
        return out;
    }

    private static boolean isKernelMatMul(OnnxModel.OnnxNode n, Set<String> initializers) {
        return n.opType().equals("MatMul") && n.inputs().size() == 2 && initializers.contains(n.inputs().get(1))
                && !initializers.contains(n.inputs().get(0));
    }
}
