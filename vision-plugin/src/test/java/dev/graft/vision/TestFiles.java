package dev.graft.vision;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes weight files in foreign formats the way their own tools lay them out. */
public final class TestFiles {
    private TestFiles() {
    }

    /** torchvision parameter shapes of a ResNet (classes = 0: no fc). */
    public static Map<String, long[]> torchResNetShapes(ResNetConfig c, int classes) {
        Map<String, long[]> s = new LinkedHashMap<>();
        conv(s, "conv1", c.width(), 3, 7, c.convBias());
        bn(s, "bn1", c.width());
        int in = c.width();
        for (int st = 0; st < 4; st++) {
            int planes = c.width() << st;
            for (int i = 0; i < c.depths().get(st); i++) {
                String p = "layer" + (st + 1) + "." + i + ".";
                int out = c.bottleneck() ? planes * 4 : planes;
                if (c.bottleneck()) {
                    conv(s, p + "conv1", planes, in, 1, c.convBias());
                    bn(s, p + "bn1", planes);
                    conv(s, p + "conv2", planes, planes, 3, c.convBias());
                    bn(s, p + "bn2", planes);
                    conv(s, p + "conv3", out, planes, 1, c.convBias());
                    bn(s, p + "bn3", out);
                } else {
                    conv(s, p + "conv1", planes, in, 3, c.convBias());
                    bn(s, p + "bn1", planes);
                    conv(s, p + "conv2", planes, planes, 3, c.convBias());
                    bn(s, p + "bn2", planes);
                }
                if ((st > 0 && i == 0) || in != out) {
                    conv(s, p + "downsample.0", out, in, 1, c.convBias());
                    bn(s, p + "downsample.1", out);
                }
                in = out;
            }
        }
        if (classes > 0) {
            s.put("fc.weight", new long[] {classes, in});
            s.put("fc.bias", new long[] {classes});
        }
        return s;
    }

    /** torchvision parameter shapes of a VGG; the classifier reads a {@code map x map} final feature map. */
    public static Map<String, long[]> torchVggShapes(VggConfig c, int classes, int map) {
        Map<String, long[]> s = new LinkedHashMap<>();
        int idx = 0;
        int in = 3;
        for (int blk = 0; blk < 5; blk++) {
            for (int j = 0; j < c.convs().get(blk); j++) {
                conv(s, "features." + idx, c.channels(blk), in, 3, true);
                if (c.batchNorm()) {
                    bn(s, "features." + (idx + 1), c.channels(blk));
                }
                in = c.channels(blk);
                idx += c.batchNorm() ? 3 : 2;
            }
            idx++;
        }
        if (classes > 0) {
            int hidden = c.width() * 64;
            s.put("classifier.0.weight", new long[] {hidden, (long) in * map * map});
            s.put("classifier.0.bias", new long[] {hidden});
            s.put("classifier.3.weight", new long[] {hidden, hidden});
            s.put("classifier.3.bias", new long[] {hidden});
            s.put("classifier.6.weight", new long[] {classes, hidden});
            s.put("classifier.6.bias", new long[] {classes});
        }
        return s;
    }

    private static void conv(Map<String, long[]> s, String n, int out, int in, int k, boolean bias) {
        s.put(n + ".weight", new long[] {out, in, k, k});
        if (bias) {
            s.put(n + ".bias", new long[] {out});
        }
    }

    private static void bn(Map<String, long[]> s, String n, int c) {
        for (String x : List.of("weight", "bias", "running_mean", "running_var")) {
            s.put(n + "." + x, new long[] {c});
        }
    }

    /**
     * A safetensors file as {@code safetensors.torch.save_file(model.state_dict())} writes it: F32
     * weights plus an I64 {@code num_batches_tracked} per BatchNorm.
     */
    public static void writeTorchSafetensors(Path file, Map<String, float[]> w, Map<String, long[]> shapes) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        List<byte[]> chunks = new ArrayList<>();
        long off = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] v = w.get(e.getKey());
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            off = entry(header, e.getKey(), "F32", e.getValue(), off, b.array(), chunks);
            if (e.getKey().endsWith("running_var")) {
                String nbt = e.getKey().replace("running_var", "num_batches_tracked");
                byte[] l = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1234).array();
                off = entry(header, nbt, "I64", new long[0], off, l, chunks);
            }
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        ByteBuffer out = ByteBuffer.allocate((int) (8 + h.length + pad + off)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length + pad).put(h);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        chunks.forEach(out::put);
        Files.write(file, out.array());
    }

    private static long entry(JsonObject header, String name, String dtype, long[] shape, long off, byte[] data,
            List<byte[]> chunks) {
        JsonObject t = new JsonObject();
        t.addProperty("dtype", dtype);
        JsonArray sh = new JsonArray();
        for (long d : shape) {
            sh.add(d);
        }
        t.add("shape", sh);
        JsonArray o = new JsonArray();
        o.add(off);
        o.add(off + data.length);
        t.add("data_offsets", o);
        header.add(name, t);
        chunks.add(data);
        return off + data.length;
    }

    /** One Keras layer: its name and weights (name such as {@code kernel:0}, shape, row-major values). */
    public record KerasLayer(String name, List<KerasWeight> weights) {
    }

    public record KerasWeight(String name, long[] shape, float[] values) {
    }

    /**
     * A Keras 2 HDF5 weight file: root attributes {@code layer_names}, {@code backend},
     * {@code keras_version}; a group per layer with {@code weight_names} ({@code layer/kernel:0})
     * and the datasets at {@code layer/layer/kernel:0}. Weightless layers are listed with none.
     */
    public static void writeKerasH5(Path file, List<KerasLayer> layers) {
        writeKerasH5(file, layers, false);
    }

    /** As {@link #writeKerasH5(Path, List)}; {@code wholeModel} nests the weights under {@code model_weights} as {@code model.save} does. */
    public static void writeKerasH5(Path file, List<KerasLayer> layers, boolean wholeModel) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup f = hdf;
            if (wholeModel) {
                hdf.putAttribute("model_config", "{\"class_name\": \"Functional\"}");
                f = hdf.putGroup("model_weights");
            }
            f.putAttribute("layer_names", layers.stream().map(KerasLayer::name).toArray(String[]::new));
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("keras_version", "2.13.1");
            for (KerasLayer l : layers) {
                WritableGroup g = f.putGroup(l.name());
                if (l.weights().isEmpty()) {
                    // h5py writes an empty array here; jhdf cannot write empty attributes, so the group stays bare
                    continue;
                }
                g.putAttribute("weight_names", l.weights().stream().map(w -> l.name() + "/" + w.name()).toArray(String[]::new));
                if (l.weights().isEmpty()) {
                    continue;
                }
                WritableGroup inner = g.putGroup(l.name());
                for (KerasWeight w : l.weights()) {
                    inner.putDataset(w.name(), nest(w.values(), w.shape()));
                }
            }
        }
    }

    /** Row-major values as a nested Java array of the given shape. */
    public static Object nest(float[] flat, long[] shape) {
        if (shape.length == 1) {
            return flat.clone();
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) shape[i];
        }
        Object arr = Array.newInstance(float.class, dims);
        fill(arr, flat, dims, 0, 0);
        return arr;
    }

    private static int fill(Object arr, float[] flat, int[] dims, int depth, int pos) {
        if (depth == dims.length - 1) {
            System.arraycopy(flat, pos, arr, 0, dims[depth]);
            return pos + dims[depth];
        }
        for (int i = 0; i < dims[depth]; i++) {
            pos = fill(Array.get(arr, i), flat, dims, depth + 1, pos);
        }
        return pos;
    }

    /** OIHW to HWIO, in the test's own words. */
    public static float[] oihwToHwio(float[] v, long[] s) {
        int o = (int) s[0], in = (int) s[1], h = (int) s[2], w = (int) s[3];
        float[] out = new float[v.length];
        int n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int i = 0; i < in; i++) {
                    for (int oc = 0; oc < o; oc++) {
                        out[n++] = v[((oc * in + i) * h + y) * w + x];
                    }
                }
            }
        }
        return out;
    }

    /** [r, c] to [c, r]. */
    public static float[] transpose(float[] v, long[] s) {
        int r = (int) s[0], c = (int) s[1];
        float[] out = new float[v.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = v[i * c + j];
            }
        }
        return out;
    }
}
