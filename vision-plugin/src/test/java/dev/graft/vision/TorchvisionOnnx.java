package dev.graft.vision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes ONNX files of torchvision ResNets and VGGs the way {@code torch.onnx.export} lays them out
 * (ModelProto, GraphProto, NodeProto with attributes, TensorProto with raw_data), field by field in
 * the protocol-buffer wire format: nodes in the order the forward pass runs them, NCHW, OIHW kernels,
 * Gemm with transB = 1 on [out, in] weights. Written independently of the reader it tests.
 */
public final class TorchvisionOnnx {
    /** How initializers and nodes are named. */
    public enum Naming {
        /** state-dict names ({@code layer1.0.conv1.weight}) and scoped nodes ({@code /layer1/layer1.0/conv1/Conv}). */
        STATE_DICT,
        /** anonymous initializers ({@code onnx::Conv_193}) with scoped nodes: PyTorch 2 with BatchNorm folded. */
        SCOPED,
        /** anonymous numeric initializers ({@code 193}) and nodes named {@code Conv_12}: PyTorch 1.x. */
        LEGACY
    }

    /**
     * Export options.
     *
     * @param fold           fold each BatchNorm into the convolution before it (eval export with constant folding)
     * @param naming         how tensors and nodes are named
     * @param shortcutFirst  list a block's downsample convolution before its first convolution (a valid topological order)
     * @param gemmTransB     1 as PyTorch writes Linear layers; 0 stores the weight [in, out]
     * @param bnEpsilon      epsilon written on BatchNormalization nodes
     * @param strideOnFirst  put a bottleneck stage's stride on the first 1x1 (ResNet v1), not the 3x3
     */
    public record Options(boolean fold, Naming naming, boolean shortcutFirst, int gemmTransB, float bnEpsilon,
            boolean strideOnFirst) {
        public static Options named() {
            return new Options(false, Naming.STATE_DICT, false, 1, 1e-5f, false);
        }

        public static Options folded(Naming naming) {
            return new Options(true, naming, false, 1, 1e-5f, false);
        }

        public Options withShortcutFirst() {
            return new Options(fold, naming, true, gemmTransB, bnEpsilon, strideOnFirst);
        }

        public Options withTransB(int t) {
            return new Options(fold, naming, shortcutFirst, t, bnEpsilon, strideOnFirst);
        }

        public Options withEpsilon(float e) {
            return new Options(fold, naming, shortcutFirst, gemmTransB, e, strideOnFirst);
        }

        public Options withStrideOnFirst() {
            return new Options(fold, naming, shortcutFirst, gemmTransB, bnEpsilon, true);
        }
    }

    private final Map<String, float[]> w;
    private final Map<String, long[]> shapes;
    private final Options o;
    private final Msg graph = new Msg();
    private final List<Msg> inits = new ArrayList<>();
    private final Map<String, Integer> opCount = new LinkedHashMap<>();
    private int anon = 190;
    private int value;

    private TorchvisionOnnx(Map<String, float[]> w, Map<String, long[]> shapes, Options o) {
        this.w = w;
        this.shapes = shapes;
        this.o = o;
    }

    /** A ResNet export; with {@code fc.weight} in the weights the graph ends in the classifier. */
    public static byte[] resnet(ResNetConfig c, Map<String, float[]> w, Map<String, long[]> shapes, Options o) {
        TorchvisionOnnx x = new TorchvisionOnnx(w, shapes, o);
        String v = x.conv("input", "conv1", "bn1", 7, 2, 3, "");
        v = x.node("/relu/Relu", "Relu", new Msg[0], v);
        v = x.node("/maxpool/MaxPool", "MaxPool", new Msg[] {ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1),
                ints("strides", 2, 2)}, v);
        int in = c.width();
        for (int st = 0; st < 4; st++) {
            int planes = c.width() << st;
            for (int i = 0; i < c.depths().get(st); i++) {
                int stride = st > 0 && i == 0 ? 2 : 1;
                String scope = "/layer" + (st + 1) + "/layer" + (st + 1) + "." + i;
                String p = "layer" + (st + 1) + "." + i + ".";
                int out = c.bottleneck() ? planes * 4 : planes;
                boolean down = stride != 1 || in != out;
                String sc = v;
                if (down && o.shortcutFirst()) {
                    sc = x.conv(v, p + "downsample.0", p + "downsample.1", 1, stride, 0, scope + "/downsample");
                }
                String y;
                if (c.bottleneck()) {
                    int s1 = o.strideOnFirst() ? stride : 1;
                    y = x.node(scope + "/relu/Relu", "Relu", new Msg[0], x.conv(v, p + "conv1", p + "bn1", 1, s1, 0, scope));
                    y = x.node(scope + "/relu_1/Relu", "Relu", new Msg[0],
                            x.conv(y, p + "conv2", p + "bn2", 3, o.strideOnFirst() ? 1 : stride, 1, scope));
                    y = x.conv(y, p + "conv3", p + "bn3", 1, 1, 0, scope);
                } else {
                    y = x.node(scope + "/relu/Relu", "Relu", new Msg[0], x.conv(v, p + "conv1", p + "bn1", 3, stride, 1, scope));
                    y = x.conv(y, p + "conv2", p + "bn2", 3, 1, 1, scope);
                }
                if (down && !o.shortcutFirst()) {
                    sc = x.conv(v, p + "downsample.0", p + "downsample.1", 1, stride, 0, scope + "/downsample");
                }
                v = x.node(scope + "/relu_2/Relu", "Relu", new Msg[0], x.node(scope + "/Add", "Add", new Msg[0], y, sc));
                in = out;
            }
        }
        v = x.node("/avgpool/GlobalAveragePool", "GlobalAveragePool", new Msg[0], v);
        v = x.node("/Flatten", "Flatten", new Msg[] {intAttr("axis", 1)}, v);
        if (w.containsKey("fc.weight")) {
            v = x.linear(v, "fc", "");
        }
        return x.finish(v);
    }

    /** A VGG export; with {@code classifier.0.weight} the graph ends in the classifier (no adaptive pool). */
    public static byte[] vgg(VggConfig c, Map<String, float[]> w, Map<String, long[]> shapes, Options o) {
        TorchvisionOnnx x = new TorchvisionOnnx(w, shapes, o);
        String v = "input";
        int idx = 0;
        for (int blk = 0; blk < 5; blk++) {
            for (int j = 0; j < c.convs().get(blk); j++) {
                v = x.conv(v, "features." + idx, c.batchNorm() ? "features." + (idx + 1) : null, 3, 1, 1, "/features");
                idx += c.batchNorm() ? 3 : 2;
                v = x.node("/features/features." + (idx - 1) + "/Relu", "Relu", new Msg[0], v);
            }
            v = x.node("/features/features." + idx + "/MaxPool", "MaxPool", new Msg[] {ints("kernel_shape", 2, 2),
                    ints("strides", 2, 2)}, v);
            idx++;
        }
        if (w.containsKey("classifier.0.weight")) {
            // torch.flatten(x, 1) exported through a Reshape with an INT64 shape constant
            String shape = x.anonymous("Reshape");
            x.inits.add(tensor(shape, 7, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(-1).array(), 2));
            v = x.node("/Reshape", "Reshape", new Msg[0], v, shape);
            v = x.node("/classifier/classifier.1/Relu", "Relu", new Msg[0], x.linear(v, "classifier.0", "/classifier"));
            v = x.node("/classifier/classifier.4/Relu", "Relu", new Msg[0], x.linear(v, "classifier.3", "/classifier"));
            v = x.linear(v, "classifier.6", "/classifier");
        }
        return x.finish(v);
    }

    public static void write(Path file, byte[] onnx) throws IOException {
        Files.write(file, onnx);
    }

    private String conv(String x, String module, String bn, int k, int stride, int pad, String scope) {
        float[] wt = w.get(module + ".weight").clone();
        long[] ws = shapes.get(module + ".weight");
        float[] bias = w.containsKey(module + ".bias") ? w.get(module + ".bias").clone() : null;
        boolean foldHere = o.fold() && bn != null;
        if (foldHere) {
            int out = (int) ws[0];
            int per = wt.length / out;
            float[] nb = new float[out];
            for (int c = 0; c < out; c++) {
                double s = w.get(bn + ".weight")[c] / Math.sqrt(w.get(bn + ".running_var")[c] + o.bnEpsilon());
                for (int i = 0; i < per; i++) {
                    wt[c * per + i] = (float) (wt[c * per + i] * s);
                }
                nb[c] = (float) (((bias == null ? 0 : bias[c]) - w.get(bn + ".running_mean")[c]) * s + w.get(bn + ".bias")[c]);
            }
            bias = nb;
        }
        String wn = weightName(module + ".weight", "Conv", foldHere);
        inits.add(tensor(wn, 1, floats(wt), ws));
        List<String> ins = new ArrayList<>(List.of(x, wn));
        if (bias != null) {
            String bname = weightName(module + ".bias", "Conv", foldHere);
            inits.add(tensor(bname, 1, floats(bias), ws[0]));
            ins.add(bname);
        }
        String y = node(scopeOf(module, scope) + "/Conv", "Conv", new Msg[] {ints("dilations", 1, 1), intAttr("group", 1),
                ints("kernel_shape", k, k), ints("pads", pad, pad, pad, pad), ints("strides", stride, stride)},
                ins.toArray(String[]::new));
        if (bn == null || o.fold()) {
            return y;
        }
        List<String> bins = new ArrayList<>(List.of(y));
        for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
            String n = weightName(bn + "." + s, "BatchNormalization", false);
            inits.add(tensor(n, 1, floats(w.get(bn + "." + s)), shapes.get(bn + "." + s)));
            bins.add(n);
        }
        return node(scopeOf(bn, scope) + "/BatchNormalization", "BatchNormalization", new Msg[] {floatAttr("epsilon", o.bnEpsilon()),
                floatAttr("momentum", 0.9f)}, bins.toArray(String[]::new));
    }

    /** The scope PyTorch gives a module's nodes: {@code /layer1/layer1.0/conv1}, {@code /features/features.3}. */
    private static String scopeOf(String module, String scope) {
        if (module.startsWith("features.")) {
            return scope + "/" + module;
        }
        if (module.contains("downsample.")) {
            return scope + "/" + module.substring(module.indexOf("downsample."));
        }
        return scope + "/" + module.substring(module.lastIndexOf('.') + 1);
    }

    private String linear(String x, String module, String scope) {
        float[] wt = w.get(module + ".weight");
        long[] s = shapes.get(module + ".weight");
        long[] stored = s;
        if (o.gemmTransB() == 0) {
            float[] t = new float[wt.length];
            for (int i = 0; i < s[0]; i++) {
                for (int j = 0; j < s[1]; j++) {
                    t[(int) (j * s[0] + i)] = wt[(int) (i * s[1] + j)];
                }
            }
            wt = t;
            stored = new long[] {s[1], s[0]};
        }
        // PyTorch keeps Linear parameters' names even when it folds convolutions
        String wn = o.naming() == Naming.LEGACY ? anonymous("Gemm") : module + ".weight";
        String bn = o.naming() == Naming.LEGACY ? anonymous("Gemm") : module + ".bias";
        inits.add(tensor(wn, 1, floats(wt), stored));
        inits.add(tensor(bn, 1, floats(w.get(module + ".bias")), s[0]));
        return node(scope + "/" + module + "/Gemm", "Gemm", new Msg[] {floatAttr("alpha", 1), floatAttr("beta", 1),
                intAttr("transB", o.gemmTransB())}, x, wn, bn);
    }

    private String weightName(String stateDict, String op, boolean folded) {
        return o.naming() == Naming.STATE_DICT && !folded ? stateDict : anonymous(op);
    }

    private String anonymous(String op) {
        anon++;
        return o.naming() == Naming.LEGACY ? Integer.toString(anon) : "onnx::" + op + "_" + anon;
    }

    private String node(String scopedName, String op, Msg[] attrs, String... inputs) {
        int n = opCount.merge(op, 1, Integer::sum) - 1;
        String name = o.naming() == Naming.LEGACY ? op + "_" + n : scopedName;
        String out = o.naming() == Naming.LEGACY ? Integer.toString(1000 + value++) : scopedName + "_output_0";
        Msg m = new Msg();
        for (String i : inputs) {
            m.string(1, i);
        }
        m.string(2, out).string(3, name).string(4, op);
        for (Msg a : attrs) {
            m.msg(5, a);
        }
        graph.msg(1, m);
        return out;
    }

    private byte[] finish(String output) {
        graph.string(2, o.naming() == Naming.LEGACY ? "torch-jit-export" : "main_graph");
        inits.forEach(t -> graph.msg(5, t));
        graph.msg(11, new Msg().string(1, "input"));
        graph.msg(12, new Msg().string(1, output));
        return new Msg().varint(1, 8).string(2, "pytorch").string(3, o.naming() == Naming.LEGACY ? "1.10" : "2.1.0")
                .msg(8, new Msg().string(1, "").varint(2, o.naming() == Naming.LEGACY ? 11 : 17))
                .msg(7, graph).toBytes();
    }

    /** A TensorProto with raw_data, dims unpacked (as PyTorch writes them). */
    public static Msg tensor(String name, int type, byte[] raw, long... dims) {
        Msg t = new Msg();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, type).string(8, name).bytes(9, raw);
    }

    static Msg ints(String name, long... v) {
        Msg a = new Msg().string(1, name);
        for (long x : v) {
            a.varint(8, x);
        }
        return a.varint(20, 7);
    }

    static Msg intAttr(String name, long v) {
        return new Msg().string(1, name).varint(3, v).varint(20, 2);
    }

    static Msg floatAttr(String name, float v) {
        return new Msg().string(1, name).fixed32(2, Float.floatToIntBits(v)).varint(20, 1);
    }

    public static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** One protocol-buffer message being written. */
    public static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Msg varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        public Msg bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        public Msg string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        public Msg msg(int field, Msg m) {
            return bytes(field, m.toBytes());
        }

        public Msg fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }

        private void tag(int field, int wire) {
            raw((long) field << 3 | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        public byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
