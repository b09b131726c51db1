package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.engine.spi.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * An opened SavedModel. Opening reads {@code saved_model.pb} once and screens it
 * ({@link SavedModelScreen}); it is described from that parsed graph, which runs nothing. Running
 * it (signatures, variable reads) needs {@link SavedModelOptions#trustedModel()}: TensorFlow then loads
 * exactly the screened graph from a private folder, with a deadline on restore and init, and
 * signatures run through the loaded session by their tensor names.
 */
final class TfSavedModel implements SavedModel {
    /** System property naming further ops a caller accepts, comma-separated. */
    static final String ALLOW_PROPERTY = "graft.savedmodel.allowOps";

    private final SavedModelFiles files;
    private final String tags;
    private final SavedModelOptions options;
    private final SavedModelScreen.Passed passed;
    private SavedModelBundle bundle;

    private TfSavedModel(SavedModelFiles files, String tags, SavedModelOptions options, SavedModelScreen.Passed passed) {
        this.files = files;
        this.tags = tags;
        this.options = options;
        this.passed = passed;
    }

    static TfSavedModel open(Path dir, String tags, SavedModelOptions options) {
        SavedModelFiles files = SavedModelFiles.read(dir);
        MetaGraphDef meta = select(files, tags);
        Set<String> allowed = new TreeSet<>(options.allowedOps());
        for (String s : System.getProperty(ALLOW_PROPERTY, "").split(",")) {
            if (!s.isBlank()) {
                allowed.add(s.trim());
            }
        }
        return new TfSavedModel(files, tags, options, SavedModelScreen.screen(files.dir(), meta, allowed, files.totalBytes()));
    }

    /** The meta graph TensorFlow's loader would pick: the first whose tag set is exactly the requested one. */
    private static MetaGraphDef select(SavedModelFiles files, String tags) {
        org.tensorflow.proto.SavedModel sm;
        try {
            sm = org.tensorflow.proto.SavedModel.parseFrom(files.savedModel());
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            throw new EngineException(files.dir().resolve("saved_model.pb") + " is not a valid SavedModel protocol buffer: "
                    + e.getMessage(), e);
        }
        Set<String> wanted = tagSet(tags);
        List<String> have = new ArrayList<>();
        for (MetaGraphDef m : sm.getMetaGraphsList()) {
            have.add(m.getMetaInfoDef().getTagsList().toString());
            if (new TreeSet<>(m.getMetaInfoDef().getTagsList()).equals(wanted)) {
                return m;
            }
        }
        throw new EngineException(files.dir().resolve("saved_model.pb") + " has no graph tagged '" + tags + "'; tag sets present: "
                + have);
    }

    private static Set<String> tagSet(String tags) {
        Set<String> wanted = new TreeSet<>();
        for (String t : tags.split(",")) {
            if (!t.isBlank()) {
                wanted.add(t.trim());
            }
        }
        return wanted;
    }

    private MetaGraphDef meta() {
        return passed.toLoad();
    }

    private void requireTrust() {
        if (!options.trusted()) {
            throw new EngineException("refusing to run SavedModel " + files.dir() + ": it was opened as untrusted. A SavedModel "
                    + "is a program (loading runs its restore and init ops, a signature runs its graph); run only models "
                    + "you trust. If you trust this one, " + SavedModelOptions.TRUST_HINT + "; for the opaque BERT backbone "
                    + "bert-base-uncased-savedmodel, pass its option trusted=true (CLI: -B trusted=true). To import weights "
                    + "without running anything, read the variables as data instead. See docs/security.md");
        }
    }

    private synchronized SavedModelBundle bundle() {
        requireTrust();
        if (bundle == null) {
            bundle = load();
        }
        return bundle;
    }

    /**
     * Loads the screened graph from a private folder. TensorFlow's operation timeout stops ops that
     * observe cancellation, but its executor does not interrupt a running loop, so the load runs on
     * its own thread and the caller stops waiting at the deadline either way.
     */
    private SavedModelBundle load() {
        byte[] graph = org.tensorflow.proto.SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta())
                .build().toByteArray();
        TfNativeLibrary.ensureLoaded();
        Path stage = files.stage(graph);
        long ms = Math.max(1, options.loadTimeout().toMillis());
        CompletableFuture<SavedModelBundle> done = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            try {
                SavedModelBundle b = SavedModelBundle.loader(stage.toString()).withTags(tagSet(tags).toArray(String[]::new))
                        .withRunOptions(RunOptions.newBuilder().setTimeoutInMs(ms).build()).load();
                if (!done.complete(b)) {
                    b.close(); // the caller gave up at the deadline
                }
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                SavedModelFiles.delete(stage);
            }
        }, "graft-savedmodel-load " + files.dir().getFileName());
        loader.setDaemon(true);
        loader.start();
        try {
            return done.get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            done.cancel(false);
            throw new EngineException("TensorFlow could not load SavedModel " + files.dir() + ": restoring its variables and "
                    + "running its init ops did not finish within the load deadline of " + ms + " ms (SavedModelOptions"
                    + ".withLoadTimeout). TensorFlow cannot interrupt a running graph: its thread keeps running until the "
                    + "process exits", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            String msg = String.valueOf(c.getMessage()).replace(stage.toString(), files.dir().toString());
            boolean deadline = c.getClass().getSimpleName().contains("DeadlineExceeded") || msg.contains("Timed out");
            throw new EngineException("TensorFlow could not load SavedModel " + files.dir() + (deadline
                    ? ": its restore and init ops did not finish within the load deadline of " + ms + " ms "
                    + "(SavedModelOptions.withLoadTimeout)" : "") + ": " + msg, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.cancel(false);
            throw new EngineException("interrupted while loading SavedModel " + files.dir(), e);
        }
    }

    @Override
    public boolean trusted() {
        return options.trusted();
    }

    @Override
    public Map<String, Signature> signatures() {
        Map<String, Signature> out = new LinkedHashMap<>();
        new java.util.TreeMap<>(meta().getSignatureDefMap()).forEach((k, s) -> {
            if (!k.startsWith("__")) {
                out.put(k, new Signature(k, describe(s.getInputsMap()), describe(s.getOutputsMap())));
            }
        });
        return out;
    }

    private static Map<String, TensorInfo> describe(Map<String, org.tensorflow.proto.TensorInfo> m) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        new java.util.TreeMap<>(m).forEach((k, t) -> out.put(k, new TensorInfo(t.getDtype().name(), shape(t.getTensorShape()))));
        return out;
    }

    private static Shape shape(TensorShapeProto s) {
        if (s.getUnknownRank()) {
            return Shape.of(new long[0]);
        }
        return Shape.of(s.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray());
    }

    @Override
    public Map<String, HostTensor> run(String signature, Map<String, HostTensor> inputs, List<String> outputs) {
        requireTrust();
        SignatureDef sig = meta().getSignatureDefMap().get(signature);
        if (sig == null || signature.startsWith("__")) {
            throw new IllegalArgumentException("SavedModel " + files.dir() + " has no signature '" + signature + "'; it has "
                    + signatures().keySet());
        }
        for (String o : outputs) {
            if (!sig.getOutputsMap().containsKey(o) || sig.getOutputsOrThrow(o).getName().isEmpty()) {
                throw new IllegalArgumentException("signature '" + signature + "' has no output '" + o + "'; it has "
                        + sig.getOutputsMap().keySet());
            }
        }
        Session.Runner r = bundle().session().runner();
        List<Tensor> fed = new ArrayList<>();
        try {
            for (Map.Entry<String, org.tensorflow.proto.TensorInfo> in : new java.util.TreeMap<>(sig.getInputsMap()).entrySet()) {
                HostTensor h = inputs.get(in.getKey());
                if (h == null) {
                    throw new IllegalArgumentException("signature '" + signature + "' needs input '" + in.getKey() + "'");
                }
                Tensor t = TfTensors.toTf(h);
                fed.add(t);
                r.feed(in.getValue().getName(), t);
            }
            outputs.forEach(o -> r.fetch(sig.getOutputsOrThrow(o).getName()));
            Map<String, HostTensor> result = new LinkedHashMap<>();
            try (Result res = r.run()) {
                for (int i = 0; i < outputs.size(); i++) {
                    result.put(outputs.get(i), TfTensors.fromTf(res.get(i)));
                }
            } catch (org.tensorflow.exceptions.TensorFlowException e) {
                throw new EngineException("SavedModel " + files.dir() + " failed to run signature '" + signature + "': "
                        + e.getMessage(), e);
            }
            return result;
        } finally {
            fed.forEach(Tensor::close);
        }
    }

    @Override
    public Map<String, Shape> variables() {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (NodeDef n : meta().getGraphDef().getNodeList()) {
            if (n.getOp().equals("VarHandleOp") || n.getOp().equals("VariableV2")) {
                out.put(n.getName(), shape(n.getAttrOrDefault("shape", AttrValue.getDefaultInstance()).getShape()));
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
                if (op == null || !(op.type().equals("VarHandleOp") || op.type().equals("VariableV2"))) {
                    throw new IllegalArgumentException("SavedModel " + files.dir() + " has no variable '" + n + "'");
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
        return passed.opTypes();
    }

    @Override
    public synchronized void close() {
        if (bundle != null) {
            bundle.close();
            bundle = null;
        }
    }
}
