package dev.graft.vision.internal.weights;

import dev.graft.vision.VisionArchitecture;
import dev.graft.vision.weights.WeightImportException;
import dev.graft.weights.OnnxInitializer;
import dev.graft.weights.OnnxModel;
import dev.graft.weights.OnnxModel.OnnxNode;
import dev.graft.weights.WeightFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a ResNet or VGG exported to ONNX by PyTorch ({@code torch.onnx.export} of a
 * torchvision model), presented under torchvision's state-dict names so the torchvision mapping
 * applies. Weights are named through the graph, not by their initializer names alone: each
 * {@code Conv} node's weight and bias, the {@code BatchNormalization} reading its output (scale, B,
 * mean, var, epsilon), and each {@code Gemm} (or {@code MatMul} + {@code Add}) of the classifier.
 * A node's module comes from its weight's name ({@code layer1.0.conv1.weight}), else from its scope
 * ({@code /layer1/layer1.0/conv1/Conv}), else from its position among the network's convolutions
 * (older exports: {@code Conv_12} reading {@code onnx::Conv_193}).
 *
 * <p>When the exporter folded BatchNorm into the convolutions (eval mode with constant folding, the
 * default), the folded bias becomes the BatchNorm's beta (or the convolution's bias where the network
 * has one) and the BatchNorm is set to the identity (gamma sqrt(1 + eps), mean 0, variance 1), which
 * gives the exported network's outputs exactly. Each Conv's strides, pads, groups and dilations are
 * checked against the network; a convolution that differs is reported, not imported.
 */
public final class OnnxSource implements TensorSource {
    private static final Set<String> PASS_THROUGH = Set.of("BatchNormalization", "Relu", "Identity");

    /** A virtual torchvision tensor: an initializer (maybe transposed, scaled, shifted) or a constant. */
    private record Entry(String label, long[] shape, String init, boolean transpose, float scale, float shift,
            float constant) {
    }

    private final Path file;
    private final OnnxModel model;
    private final VisionArchitecture arch;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, long[]> others = new LinkedHashMap<>();
    private final Map<String, String> skipReasons = new HashMap<>();
    private final Map<String, String> unknownDetails = new HashMap<>();
    private final Set<String> used = new HashSet<>();
    private int folded;

    public OnnxSource(Path file, VisionArchitecture arch) {
        this.file = file;
        this.arch = arch;
        try {
            this.model = OnnxModel.read(file);
        } catch (WeightFileException e) {
            throw new WeightImportException("ONNX file " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WeightImportException("cannot read ONNX file " + file + ": " + e.getMessage(), e);
        }
        mapConvs();
        mapLinears();
        accountForTheRest();
    }

    private void mapConvs() {
        List<TorchvisionModules.Conv> expected = TorchvisionModules.convs(arch);
        Map<String, TorchvisionModules.Conv> byModule = new HashMap<>();
        expected.forEach(c -> byModule.put(c.module(), c));
        List<OnnxNode> convs = model.nodes().stream().filter(n -> n.opType().equals("Conv")).toList();
        Map<OnnxNode, String> named = new LinkedHashMap<>();
        for (OnnxNode n : convs) {
            String m = TorchvisionModules.weightModule(weight(n));
            if (m == null || !byModule.containsKey(m)) {
                m = TorchvisionModules.scopeModule(n.name());
            }
            if (m != null && byModule.containsKey(m)) {
                named.put(n, m);
            }
        }
        Map<OnnxNode, String> modules = named.size() == convs.size() ? named
                : convs.size() == expected.size() ? byPosition(convs, expected) : named;
        Set<String> taken = new HashSet<>();
        for (OnnxNode n : convs) {
            String m = modules.get(n);
            if (m == null) {
                unplaced(n, "no torchvision name (node '" + n.name() + "') and the graph has " + convs.size()
                        + " Conv nodes where " + arch.name() + " has " + expected.size() + ", so its position cannot name it");
            } else if (!taken.add(m)) {
                unplaced(n, "node '" + n.name() + "' is a second " + m);
            } else {
                mapConv(n, byModule.get(m));
            }
        }
    }

    /** Convolutions named by position; within a residual block the shortcut is found by the data flow. */
    private Map<OnnxNode, String> byPosition(List<OnnxNode> convs, List<TorchvisionModules.Conv> expected) {
        Map<OnnxNode, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < expected.size()) {
            int j = i;
            while (j < expected.size() && expected.get(j).group() == expected.get(i).group()) {
                j++;
            }
            List<TorchvisionModules.Conv> want = expected.subList(i, j);
            List<OnnxNode> slice = new ArrayList<>(convs.subList(i, j));
            if (want.get(want.size() - 1).module().endsWith("downsample.0")) {
                OnnxNode shortcut = shortcut(slice);
                if (shortcut != null) {
                    slice.remove(shortcut);
                    slice.add(shortcut);
                }
            }
            for (int k = 0; k < want.size(); k++) {
                out.put(slice.get(k), want.get(k).module());
            }
            i = j;
        }
        return out;
    }

    /** The one Conv of a block that reads the block's input (as its first Conv does) and leads to the Add. */
    private OnnxNode shortcut(List<OnnxNode> block) {
        OnnxNode found = null;
        for (OnnxNode n : block) {
            boolean sharesInput = block.stream().anyMatch(o -> o != n && !o.inputs().isEmpty() && !n.inputs().isEmpty()
                    && o.inputs().get(0).equals(n.inputs().get(0)));
            if (sharesInput && "Add".equals(next(n))) {
                if (found != null) {
                    return null;
                }
                found = n;
            }
        }
        return found;
    }

    /** The op a node's output reaches through BatchNormalization, Relu and Identity nodes. */
    private String next(OnnxNode n) {
        OnnxNode at = n;
        for (int hops = 0; hops < 8 && at.outputs().size() >= 1; hops++) {
            List<OnnxNode> c = model.consumers(at.outputs().get(0));
            if (c.size() != 1) {
                return null;
            }
            at = c.get(0);
            if (!PASS_THROUGH.contains(at.opType())) {
                return at.opType();
            }
        }
        return null;
    }

    private String weight(OnnxNode n) {
        return n.input(1) == null ? null : model.initializerBehind(n.input(1));
    }

    private void mapConv(OnnxNode n, TorchvisionModules.Conv c) {
        String w = weight(n);
        String b = n.input(2) == null ? null : model.initializerBehind(n.input(2));
        if (w == null || (n.input(2) != null && b == null)) {
            unplaced(n, "Conv node '" + n.name() + "' (" + c.module() + ") reads its weight or bias from a computed value");
            return;
        }
        String why = convMismatch(n, c);
        if (why != null) {
            unplaced(n, "Conv node '" + n.name() + "' (as " + c.module() + ") " + why);
            return;
        }
        put(c.module() + ".weight", w, false, 1, 0);
        OnnxNode bn = batchNormAfter(n);
        boolean bias = TorchvisionModules.convBias(arch);
        double eps = TorchvisionModules.bnEpsilon(arch);
        if (bn != null && c.bn() == null) {
            unplaced(bn, "BatchNormalization after " + c.module() + ", but " + arch.name() + " has none there"
                    + (arch.name().startsWith("vgg") ? " (use " + arch.name() + "_bn)" : ""));
        } else if (bn != null) {
            String[] leaf = {"weight", "bias", "running_mean", "running_var"};
            for (int k = 0; k < 4; k++) {
                String t = bn.input(k + 1) == null ? null : model.initializerBehind(bn.input(k + 1));
                if (t == null) {
                    unplaced(bn, "BatchNormalization '" + bn.name() + "' reads input " + (k + 1) + " from a computed value");
                    return;
                }
                // the file's epsilon is moved into the variance: var + eps_file = var' + eps_network
                float shift = k == 3 ? (float) (bn.floatAttribute("epsilon", 1e-5f) - eps) : 0;
                put(c.bn() + "." + leaf[k], t, false, 1, Math.abs(shift) < 1e-12 ? 0 : shift);
            }
        }
        if (b != null && (bias || (bn == null && c.bn() != null))) {
            put(bias ? c.module() + ".bias" : c.bn() + ".bias", b, false, 1, 0);
        } else if (b != null) {
            unknownDetails.put(b, "bias of Conv node '" + n.name() + "' (" + c.module() + "), which has no bias in " + arch.name());
        }
        long[] wd = model.initializers().get(w).dims();
        long[] ch = {wd.length > 0 ? wd[0] : 0};
        if (bn == null && c.bn() != null) {
            folded++;
            String how = " (BatchNorm folded into " + w + " by the exporter)";
            constant(c.bn() + ".weight", "sqrt(1 + eps)" + how, ch, (float) Math.sqrt(1 + eps));
            constant(c.bn() + ".running_mean", "0" + how, ch, 0);
            constant(c.bn() + ".running_var", "1" + how, ch, 1);
            if (b == null || bias) {
                constant(c.bn() + ".bias", "0" + how, ch, 0);
            }
        }
        if (b == null && bias) {
            constant(c.module() + ".bias", "0 (Conv node '" + n.name() + "' has no bias)", ch, 0);
        }
    }

    private String convMismatch(OnnxNode n, TorchvisionModules.Conv c) {
        long[] strides = n.intsAttribute("strides", 1, 1);
        long[] pads = n.intsAttribute("pads", 0, 0, 0, 0);
        long[] dil = n.intsAttribute("dilations", 1, 1);
        if (!Arrays.equals(strides, new long[] {c.stride(), c.stride()})) {
            return "has strides " + Arrays.toString(strides) + " where " + arch.name() + " has stride " + c.stride()
                    + (arch.name().startsWith("resnet") ? " (torchvision's ResNet v1.5 strides the 3x3 convolution; "
                    + "resnet50-keras the first 1x1)" : "");
        }
        if (!Arrays.equals(pads, new long[] {c.pad(), c.pad(), c.pad(), c.pad()})) {
            return "has pads " + Arrays.toString(pads) + " where " + arch.name() + " pads " + c.pad();
        }
        String auto = n.attributes().containsKey("auto_pad") ? n.attributes().get("auto_pad").s() : null;
        if (auto != null && !auto.equals("NOTSET")) {
            return "uses auto_pad " + auto + " where " + arch.name() + " pads " + c.pad() + " explicitly";
        }
        if (n.intAttribute("group", 1) != 1 || !Arrays.equals(dil, new long[] {1, 1})) {
            return "is grouped or dilated (group " + n.intAttribute("group", 1) + ", dilations " + Arrays.toString(dil) + ")";
        }
        return null;
    }

    private OnnxNode batchNormAfter(OnnxNode conv) {
        if (conv.outputs().isEmpty()) {
            return null;
        }
        List<OnnxNode> c = model.consumers(conv.outputs().get(0));
        return c.size() == 1 && c.get(0).opType().equals("BatchNormalization")
                && conv.outputs().get(0).equals(c.get(0).input(0)) ? c.get(0) : null;
    }

    private void mapLinears() {
        List<String> expected = TorchvisionModules.linears(arch);
        List<OnnxNode> linears = new ArrayList<>();
        Map<OnnxNode, String[]> wb = new HashMap<>();
        for (OnnxNode n : model.nodes()) {
            if (n.opType().equals("Gemm") && weight(n) != null) {
                linears.add(n);
                wb.put(n, new String[] {weight(n), n.input(2) == null ? null : model.initializerBehind(n.input(2))});
            }
        }
        for (OnnxModel.KernelBinding k : model.matMulKernels()) {
            OnnxNode mm = model.nodes().stream().filter(x -> x.name().equals(k.matMulNode()) && x.opType().equals("MatMul"))
                    .findFirst().orElse(null);
            if (mm != null && !used.contains(k.kernel())) {
                linears.add(mm);
                wb.put(mm, new String[] {k.kernel(), k.bias()});
            }
        }
        linears.sort((a, b) -> Integer.compare(model.nodes().indexOf(a), model.nodes().indexOf(b)));
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < linears.size(); i++) {
            OnnxNode n = linears.get(i);
            String m = TorchvisionModules.weightModule(wb.get(n)[0]);
            if (m == null || !expected.contains(m)) {
                m = TorchvisionModules.scopeModule(n.name());
            }
            if ((m == null || !expected.contains(m)) && linears.size() == expected.size()) {
                m = expected.get(i);
            }
            if (m == null || !expected.contains(m) || !taken.add(m)) {
                unplaced(n, "no classifier module of " + arch.name() + " matches node '" + n.name() + "'");
                continue;
            }
            boolean gemm = n.opType().equals("Gemm");
            if (gemm && n.intAttribute("transA", 0) != 0) {
                unplaced(n, "Gemm node '" + n.name() + "' has transA = 1");
                continue;
            }
            boolean transpose = !gemm || n.intAttribute("transB", 0) == 0;
            put(m + ".weight", wb.get(n)[0], transpose, gemm ? n.floatAttribute("alpha", 1) : 1, 0);
            if (wb.get(n)[1] != null) {
                put(m + ".bias", wb.get(n)[1], false, gemm ? n.floatAttribute("beta", 1) : 1, 0);
            } else if (entries.containsKey(m + ".weight") && entries.get(m + ".weight").shape().length > 0) {
                long[] s = entries.get(m + ".weight").shape();
                constant(m + ".bias", "0 (node '" + n.name() + "' has no bias)", new long[] {s[0]}, 0);
            }
        }
    }

    private void accountForTheRest() {
        for (OnnxInitializer t : model.initializers().values()) {
            if (used.contains(t.name())) {
                continue;
            }
            others.put(t.name(), t.dims());
            List<OnnxNode> readers = model.consumers(t.name());
            String by = readers.isEmpty() ? "read by no node" : "read by " + readers.get(0).opType() + " node '"
                    + readers.get(0).name() + "'";
            if (t.dataType() != OnnxModel.FLOAT) {
                skipReasons.put(t.name(), "graph constant of ONNX type " + t.dataType() + " (" + by + "), not a weight");
            } else {
                unknownDetails.putIfAbsent(t.name(), by);
            }
        }
    }

    private void unplaced(OnnxNode n, String why) {
        for (String in : n.inputs()) {
            String t = model.initializerBehind(in);
            if (t != null && !used.contains(t)) {
                unknownDetails.putIfAbsent(t, why);
            }
        }
    }

    private void put(String name, String init, boolean transpose, float scale, float shift) {
        OnnxInitializer t = model.initializers().get(init);
        if (t.dataType() != OnnxModel.FLOAT) {
            unknownDetails.putIfAbsent(init, "ONNX type " + t.dataType() + " where " + name + " needs FLOAT");
            return;
        }
        long[] d = t.dims();
        long[] shape = transpose && d.length == 2 ? new long[] {d[1], d[0]} : d;
        String label = init.equals(name) ? init : init + " as " + name;
        if (transpose) {
            label += " (transposed: MatMul or Gemm transB = 0)";
        }
        if (scale != 1) {
            label += " (times " + scale + ")";
        }
        if (shift != 0) {
            label += " (plus " + shift + ": BatchNorm epsilon of the file vs " + arch.name() + ")";
        }
        entries.put(name, new Entry(label, shape, init, transpose && d.length == 2, scale, shift, 0));
        used.add(init);
    }

    private void constant(String name, String label, long[] shape, float value) {
        entries.put(name, new Entry(label, shape, null, false, 1, 0, value));
    }

    /** How many convolutions came with their BatchNorm folded in. */
    public int foldedBatchNorms() {
        return folded;
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        entries.forEach((k, v) -> out.put(k, v.shape().clone()));
        others.forEach((k, v) -> out.putIfAbsent(k, v.clone()));
        return out;
    }

    @Override
    public String label(String name) {
        Entry e = entries.get(name);
        return e == null ? name : e.label();
    }

    @Override
    public String skipReason(String name) {
        return entries.containsKey(name) ? null : skipReasons.get(name);
    }

    @Override
    public String unknownDetail(String name) {
        return entries.containsKey(name) ? null : unknownDetails.get(name);
    }

    @Override
    public float[] read(String name) {
        Entry e = entries.get(name);
        if (e == null && others.containsKey(name)) {
            // an initializer no node placed, taken by its state-dict name alone
            e = new Entry(name, others.get(name), name, false, 1, 0, 0);
            if (model.initializers().get(name).dataType() != OnnxModel.FLOAT) {
                throw new WeightImportException("ONNX file " + file + " (tensor '" + name + "'): ONNX type "
                        + model.initializers().get(name).dataType() + " is not a float weight", (Throwable) null);
            }
        }
        if (e == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        if (e.init() == null) {
            long n = 1;
            for (long d : e.shape()) {
                n *= d;
            }
            float[] v = new float[(int) n];
            Arrays.fill(v, e.constant());
            return v;
        }
        float[] v;
        try {
            v = model.tensor(e.init()).floats();
        } catch (WeightFileException ex) {
            throw new WeightImportException("ONNX file " + ex.getMessage(), ex);
        }
        if (e.transpose()) {
            v = Transform.TRANSPOSE.apply(v, new long[] {e.shape()[1], e.shape()[0]}, 0);
        }
        if (e.scale() != 1 || e.shift() != 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] * e.scale() + e.shift();
            }
        }
        return v;
    }

    @Override
    public void close() {
        // the file was read whole; nothing stays open
    }
}
