package dev.graft.vision.weights;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.vision.Features;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.VisionArchitecture;
import dev.graft.vision.image.ImagePreprocessing;
import dev.graft.vision.internal.weights.KerasH5Source;
import dev.graft.vision.internal.weights.NameMapper;
import dev.graft.vision.internal.weights.OnnxSource;
import dev.graft.vision.internal.weights.SafetensorsSource;
import dev.graft.vision.internal.weights.SavedModelSource;
import dev.graft.vision.internal.weights.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports pretrained weights for a {@link VisionArchitecture} from the formats users have: Keras
 * HDF5 weight files, Hugging Face safetensors in torchvision/timm layout (or Graft's own names),
 * TensorFlow SavedModel variables, and ONNX files exported from torchvision models. Names and layouts are mapped (OIHW to HWIO, [out, in] to
 * [in, out], BatchNorm running statistics), every tensor is accounted for in the
 * {@link ImportReport}, and the preprocessing the weights expect is recorded.
 */
public final class WeightImporter {
    private WeightImporter() {
    }

    /**
     * What to import into.
     *
     * @param arch          the architecture
     * @param params        parameter names (relative to the network's scope) and shapes to fill
     * @param strict        fail on any missing, mis-shaped or unknown tensor
     * @param preprocessing what the weights expect, when the file cannot say (Graft layout); may be null
     * @param size          the input size to record in the preprocessing
     */
    public record Target(VisionArchitecture arch, Map<String, Shape> params, boolean strict,
            ImagePreprocessing preprocessing, int size) {
        public Target {
            params = new LinkedHashMap<>(params);
        }

        /** The parameters of {@code arch} itself (no classifier top), at input size {@code size}. */
        public static Target backbone(VisionArchitecture arch, int size, boolean strict) {
            return new Target(arch, parameterShapes(arch, size, 0), strict, null, size);
        }

        /** With the ImageNet-style classifier top of {@code classes} outputs. */
        public static Target withTop(VisionArchitecture arch, int size, int classes, boolean strict) {
            return new Target(arch, parameterShapes(arch, size, classes), strict, null, size);
        }

        public Target withPreprocessing(ImagePreprocessing p) {
            return new Target(arch, params, strict, p, size);
        }
    }

    /** Parameter shapes of {@code arch} at an input size, with a top of {@code classes} (0 = none). */
    public static Map<String, Shape> parameterShapes(VisionArchitecture arch, int size, int classes) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("image", DType.FLOAT32, -1, size, size, 3);
        Features f = arch.build(b, x);
        b.output("features", f.pooled());
        if (classes > 0) {
            b.output("logits", arch.classifier(b, f, classes));
        }
        Map<String, Shape> out = new LinkedHashMap<>();
        for (ParamSpec p : b.build().params().values()) {
            out.put(p.name(), p.shape());
        }
        return out;
    }

    /** A Keras HDF5 weight file (keras.applications layout). */
    public static ImportedWeights kerasH5(Path file, Target target) {
        try (TensorSource s = new KerasH5Source(file)) {
            return map(s, WeightLayout.KERAS, target, Map.of());
        }
    }

    /** A safetensors file; the layout (torchvision/timm or Graft) is detected from its names. */
    public static ImportedWeights safetensors(Path file, Target target) {
        try (SafetensorsSource s = new SafetensorsSource(file)) {
            return map(s, detect(s.shapes().keySet()), target, s.metadata());
        }
    }

    /**
     * The variables of a SavedModel folder (Keras names or Graft-exported names), read from its
     * {@code variables/} checkpoint in plain Java: the model's graph is never loaded or run.
     */
    public static ImportedWeights savedModel(Path dir, Target target) {
        try (TensorSource s = new SavedModelSource(dir)) {
            return map(s, detect(s.shapes().keySet()), target, Map.of());
        }
    }

    /**
     * An ONNX file exported from a torchvision ResNet or VGG ({@code torch.onnx.export}), read in
     * plain Java (nothing in the graph runs). Weights are named through the graph's nodes (Conv,
     * BatchNormalization, Gemm), so anonymous initializers ({@code onnx::Conv_193}) and BatchNorm
     * folded into the convolutions by the exporter are handled; the report names each ONNX
     * initializer and the torchvision tensor it stands for.
     */
    public static ImportedWeights onnx(Path file, Target target) {
        try (TensorSource s = new OnnxSource(file, target.arch())) {
            return map(s, WeightLayout.TORCHVISION, target, Map.of());
        }
    }

    /**
     * The preprocessing the weights in {@code file} expect, from their names and metadata alone (a
     * header, an index): no tensor is read. The same answer {@link ImportedWeights#preprocessing}
     * gives after a full import.
     *
     * @param format keras-h5, safetensors, savedmodel or onnx (torchvision exports: torch preprocessing,
     *               decided without reading the file)
     */
    public static ImagePreprocessing expectedPreprocessing(Path file, String format, Target target) {
        switch (format) {
            case "keras-h5" -> {
                try (TensorSource s = new KerasH5Source(file)) {
                    return preprocessing(WeightLayout.KERAS, target, Map.of(), s.description());
                }
            }
            case "safetensors" -> {
                try (SafetensorsSource s = new SafetensorsSource(file)) {
                    return preprocessing(detect(s.shapes().keySet()), target, s.metadata(), s.description());
                }
            }
            case "savedmodel" -> {
                try (TensorSource s = new SavedModelSource(file)) {
                    return preprocessing(detect(s.shapes().keySet()), target, Map.of(), s.description());
                }
            }
            case "onnx" -> {
                return preprocessing(WeightLayout.TORCHVISION, target, Map.of(), file.toString());
            }
            default -> throw new IllegalArgumentException("unknown weights format '" + format
                    + "'; choose keras-h5, safetensors, savedmodel or onnx");
        }
    }

    /** Guesses the layout from tensor names. */
    public static WeightLayout detect(Set<String> names) {
        for (String n : names) {
            if (n.contains("/") && !n.startsWith("param/") && !n.startsWith("opt/")) {
                return WeightLayout.KERAS;
            }
            if (n.equals("conv1.weight") || n.startsWith("features.0.") || n.startsWith("layer1.0.conv1.weight")) {
                return WeightLayout.TORCHVISION;
            }
        }
        return WeightLayout.GRAFT;
    }

    private static ImportedWeights map(TensorSource src, WeightLayout layout, Target t, Map<String, String> metadata) {
        NameMapper mapper = new NameMapper(t.arch(), layout);
        Map<String, long[]> shapes = src.shapes();
        Set<String> used = new HashSet<>();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        List<ImportReport.Imported> imported = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<ImportReport.Mismatch> mis = new ArrayList<>();
        long channels = t.arch().featureChannels();
        for (Map.Entry<String, Shape> p : t.params().entrySet()) {
            NameMapper.SourceRef ref = mapper.source(p.getKey(), shapes.keySet());
            if (ref == null || !shapes.containsKey(ref.tensor())) {
                missing.add(p.getKey() + (ref == null ? "" : " <- " + ref.tensor()));
                continue;
            }
            used.add(ref.tensor());
            long[] srcShape = shapes.get(ref.tensor());
            Shape got = Shape.of(ref.transform().apply(srcShape));
            if (!got.equals(p.getValue())) {
                mis.add(new ImportReport.Mismatch(p.getKey(), src.label(ref.tensor()), p.getValue(), Shape.of(srcShape)));
                continue;
            }
            float[] v = ref.transform().apply(src.read(ref.tensor()), srcShape, channels);
            tensors.put(p.getKey(), HostTensor.of(v, got.dims()));
            imported.add(new ImportReport.Imported(p.getKey(), src.label(ref.tensor()), got, ref.transform().label()));
        }
        List<ImportReport.Skipped> skipped = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (used.contains(e.getKey())) {
                continue;
            }
            String why = src.skipReason(e.getKey());
            if (why == null) {
                why = mapper.skipReason(e.getKey());
            }
            String detail = src.unknownDetail(e.getKey());
            if (why != null) {
                skipped.add(new ImportReport.Skipped(src.label(e.getKey()), why));
            } else {
                unknown.add(src.label(e.getKey()) + " " + Arrays.toString(e.getValue()) + (detail == null ? "" : ": " + detail));
            }
        }
        ImportReport report = new ImportReport(src.description(), layout, imported, missing, mis, skipped, unknown);
        if (t.strict() && !report.complete()) {
            throw new WeightImportException("weights in " + src.description() + " do not fit " + t.arch().name()
                    + " (strict import)" + hint(layout, t, shapes.keySet()), report);
        }
        if (imported.isEmpty()) {
            throw new WeightImportException("no tensor in " + src.description() + " fits " + t.arch().name()
                    + hint(layout, t, shapes.keySet()), report);
        }
        return new ImportedWeights(tensors, preprocessing(layout, t, metadata, src.description()).toPreprocessing(), report);
    }

    private static String hint(WeightLayout layout, Target t, Set<String> names) {
        if (layout == WeightLayout.KERAS && t.arch() instanceof ResNetConfig r && names.contains("conv1_conv/bias")
                && !r.convBias()) {
            return "; Keras ResNet50 weights need the backbone 'resnet50-keras' (stride on the first 1x1 convolution, conv biases)";
        }
        return "";
    }

    private static ImagePreprocessing preprocessing(WeightLayout layout, Target t, Map<String, String> meta, String src) {
        if (t.preprocessing() != null) {
            return t.preprocessing().withSize(t.size());
        }
        return switch (layout) {
            case KERAS -> ImagePreprocessing.caffe(t.size());
            case TORCHVISION -> ImagePreprocessing.torch(t.size());
            case GRAFT -> {
                String kind = meta.get("graft.preprocessing");
                if (kind == null) {
                    throw new WeightImportException("weights in " + src + " use Graft names and do not say which preprocessing "
                            + "they expect; pass preprocessing=caffe|torch|unit", (ImportReport) null);
                }
                yield ImagePreprocessing.named(kind, t.size());
            }
        };
    }
}
