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
import java.util.ArrayList;
import java.util.Collections;
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
import org.tensorflow.proto.FunctionDef;

/**
 * An opened SavedModel. Signatures run through DJL's TensorFlow predictor; variables are read
 * through TensorFlow's own loader. The graph is screened before anything in it runs: ops that touch
 * files or processes are refused unless the caller allows them by name.
 */
final class TfSavedModel implements SavedModel {
    /** Ops that read or write files, run processes or reach the network. */
    static final Set<String> DANGEROUS_OPS = Set.of("ReadFile", "WriteFile", "MatchingFiles", "Save", "SaveSlices",
            "PyFunc", "PyFuncStateless", "EagerPyFunc", "ImmutableConst", "DebugIdentity", "DebugIdentityV2",
            "DebugIdentityV3", "PrintV2", "WriteSummary", "WriteRawProtoSummary", "CreateSummaryFileWriter",
            "FixedLengthRecordReader", "FixedLengthRecordReaderV2", "TextLineReader", "TextLineReaderV2",
            "TFRecordReader", "TFRecordReaderV2", "WholeFileReader", "WholeFileReaderV2", "LMDBReader",
            "TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset", "DeleteSessionTensor");
    /** System property naming dangerous ops a caller accepts, comma-separated. */
    static final String ALLOW_PROPERTY = "graft.savedmodel.allowOps";

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

    /** Reads the graph definition without running it and refuses dangerous ops. */
    static Set<String> screen(Path pb, String tags) {
        org.tensorflow.proto.SavedModel sm;
        try (InputStream in = Files.newInputStream(pb)) {
            sm = org.tensorflow.proto.SavedModel.parseFrom(in);
        } catch (IOException | RuntimeException e) {
            throw new EngineException(pb + " is not a valid SavedModel protocol buffer: " + e.getMessage(), e);
        }
        MetaGraphDef meta = null;
        for (MetaGraphDef m : sm.getMetaGraphsList()) {
            if (m.getMetaInfoDef().getTagsList().contains(tags)) {
                meta = m;
            }
        }
        if (meta == null) {
            List<String> have = new ArrayList<>();
            sm.getMetaGraphsList().forEach(m -> have.addAll(m.getMetaInfoDef().getTagsList()));
            throw new EngineException(pb + " has no graph tagged '" + tags + "'; tags present: " + have);
        }
        Set<String> ops = new TreeSet<>();
        for (NodeDef n : meta.getGraphDef().getNodeList()) {
            ops.add(n.getOp());
        }
        for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
            for (NodeDef n : f.getNodeDefList()) {
                ops.add(n.getOp());
            }
        }
        Set<String> allowed = new TreeSet<>();
        String prop = System.getProperty(ALLOW_PROPERTY, "");
        for (String s : prop.split(",")) {
            if (!s.isBlank()) {
                allowed.add(s.trim());
            }
        }
        Set<String> refused = new TreeSet<>();
        for (String op : ops) {
            if (DANGEROUS_OPS.contains(op) && !allowed.contains(op)) {
                refused.add(op);
            }
        }
        if (!refused.isEmpty()) {
            throw new EngineException("refusing SavedModel " + pb.getParent() + ": its graph uses file-system or process ops "
                    + refused + ". If you trust this model, allow them with -D" + ALLOW_PROPERTY + "=" + String.join(",", refused));
        }
        return Collections.unmodifiableSet(ops);
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
