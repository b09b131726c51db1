package dev.graft.vision.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.WeightsStatus;
import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.VggConfig;
import dev.graft.vision.VisionArchitecture;
import dev.graft.vision.image.ImageDecoder;
import dev.graft.vision.image.ImagePreprocessing;
import dev.graft.vision.weights.ImportedWeights;
import dev.graft.vision.weights.WeightImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Offers ResNet-18/34/50/101/152, {@code resnet50-keras} (keras.applications' v1 layout) and
 * VGG-11/13/16/19 with and without BatchNorm ({@code vgg16_bn}).
 *
 * <p>Options: {@code weights} (a Keras {@code .h5}, a {@code .safetensors} file, a SavedModel
 * folder or a torchvision {@code .onnx} export), {@code format} (auto, keras-h5, safetensors, savedmodel,
 * onnx), {@code strict} (true),
 * {@code size} (input side, 224), {@code width} (base channels; 64 is the published network),
 * {@code preprocessing} (caffe, torch, unit; default: what the weights expect, torch without weights),
 * {@code crop-scale} (smallest random-crop area, 0.08), {@code flip} (true), {@code max-pixels},
 * {@code features} (blocks whose globally pooled outputs are concatenated as the features, e.g.
 * {@code layer3+layer4}; default {@code pool}, the network's own pooled output).
 */
public final class VisionBackboneProvider implements BackboneProvider {
    private static final Logger LOG = Logger.getLogger(VisionBackboneProvider.class.getName());
    static final Set<String> OPTIONS = Set.of("weights", "format", "strict", "size", "width", "preprocessing",
            "crop-scale", "flip", "max-pixels", "features");

    @Override
    public String id() {
        return "vision";
    }

    @Override
    public Set<String> backbones() {
        Set<String> s = new LinkedHashSet<>();
        for (int n : new int[] {18, 34, 50, 101, 152}) {
            s.add("resnet" + n);
        }
        s.add("resnet50-keras");
        for (int n : new int[] {11, 13, 16, 19}) {
            s.add("vgg" + n);
            s.add("vgg" + n + "_bn");
        }
        return s;
    }

    /**
     * No ImageNet-pretrained ResNet or VGG file ships in any package Graft can depend on offline, so
     * every vision backbone is pretrained only with the user's own files (or a Graft model), random otherwise.
     */
    @Override
    public WeightsStatus weightsStatus(String name) {
        String example = name.equals("resnet50-keras") ? "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
                : name.startsWith("vgg") ? name + ".safetensors or " + name.replace("_bn", "") + "_weights_tf_dim_ordering_tf_kernels_notop.h5"
                : name + ".safetensors (torchvision/timm) or " + name + ".onnx (torch.onnx.export of torchvision's " + name + ")";
        java.util.List<String> formats = name.equals("resnet50-keras") ? java.util.List.of("keras-h5", "safetensors", "savedmodel")
                : java.util.List.of("keras-h5", "safetensors", "savedmodel", "onnx");
        return WeightsStatus.userFiles(formats,
                "None ship with Graft; pass -B weights=<file> (e.g. " + example + "), or pretrain one with Graft and use "
                        + "-b model:<dir>; without either it is random (training from scratch)");
    }

    /** The architecture of a catalogue name at a base width. */
    public static VisionArchitecture architecture(String name, int width) {
        if (name.equals("resnet50-keras")) {
            return ResNetConfig.keras50().withWidth(width);
        }
        if (name.startsWith("resnet")) {
            return ResNetConfig.torchvision(Integer.parseInt(name.substring(6))).withWidth(width);
        }
        boolean bn = name.endsWith("_bn");
        String digits = name.substring(3, bn ? name.length() - 3 : name.length());
        return VggConfig.of(Integer.parseInt(digits), bn).withWidth(width);
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        return create(name, options, null);
    }

    @Override
    public Backbone create(String name, Map<String, String> options, RunContext context) {
        ImageBackbone b = createPooled(name, options);
        String f = options.get("features");
        return f == null ? b : b.withFeatures(java.util.Arrays.stream(f.split("\\+")).map(String::strip).toList());
    }

    private ImageBackbone createPooled(String name, Map<String, String> options) {
        if (!backbones().contains(name)) {
            throw new IllegalArgumentException("unknown backbone '" + name + "'; the vision plugin offers " + backbones());
        }
        for (String k : options.keySet()) {
            if (!OPTIONS.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "' for backbone " + name + "; options are " + OPTIONS);
            }
        }
        int size = intOpt(options, "size", 224, 8);
        int width = intOpt(options, "width", 64, 1);
        double cropScale = Double.parseDouble(options.getOrDefault("crop-scale", "0.08"));
        if (!(cropScale > 0 && cropScale <= 1)) {
            throw new IllegalArgumentException("crop-scale must be in (0, 1], got " + cropScale);
        }
        boolean flip = bool(options, "flip", true);
        boolean strict = bool(options, "strict", true);
        ImageDecoder decoder = options.containsKey("max-pixels") ? new ImageDecoder(Long.parseLong(options.get("max-pixels")))
                : new ImageDecoder();
        VisionArchitecture arch = architecture(name, width);
        String pp = options.get("preprocessing");
        ImagePreprocessing explicit = pp == null ? null : ImagePreprocessing.named(pp, size);
        String w = options.get("weights");
        if (w == null) {
            return new ImageBackbone(name, arch, explicit != null ? explicit : ImagePreprocessing.torch(size), Map.of(),
                    cropScale, flip, decoder);
        }
        // only names and metadata here: the tensors are read when weights() asks (never, for a reopened saved model)
        Path file = Path.of(w);
        String format = format(file, options.getOrDefault("format", "auto"));
        WeightImporter.Target target = WeightImporter.Target.backbone(arch, size, strict).withPreprocessing(explicit);
        ImagePreprocessing pre = WeightImporter.expectedPreprocessing(file, format, target);
        if (explicit != null && !explicit.equals(pre)) {
            LOG.warning(() -> "weights " + w + " expect " + pre.kind() + " but preprocessing=" + pp + " was asked for");
        }
        return new ImageBackbone(name, arch, pre, () -> {
            ImportedWeights iw = load(file, format, arch, size, strict, explicit);
            LOG.info(() -> iw.report().format().lines().findFirst().orElse(""));
            LOG.fine(() -> iw.report().format());
            return iw.tensors();
        }, cropScale, flip, decoder);
    }

    /** The weights' format, checking the file exists. */
    static String format(Path file, String format) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("weights file " + file + " does not exist");
        }
        return format.equals("auto") ? detectFormat(file) : format;
    }

    static ImportedWeights load(Path file, String format, VisionArchitecture arch, int size, boolean strict,
            ImagePreprocessing explicit) {
        String f = format(file, format);
        WeightImporter.Target t = WeightImporter.Target.backbone(arch, size, strict).withPreprocessing(explicit);
        return switch (f) {
            case "keras-h5" -> WeightImporter.kerasH5(file, t);
            case "safetensors" -> WeightImporter.safetensors(file, t);
            case "savedmodel" -> WeightImporter.savedModel(file, t);
            case "onnx" -> WeightImporter.onnx(file, t);
            default -> throw new IllegalArgumentException("unknown weights format '" + format
                    + "'; choose auto, keras-h5, safetensors, savedmodel or onnx");
        };
    }

    static String detectFormat(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(file) && Files.exists(file.resolve("saved_model.pb"))) {
            return "savedmodel";
        }
        if (n.endsWith(".h5") || n.endsWith(".hdf5") || n.endsWith(".keras.h5")) {
            return "keras-h5";
        }
        if (n.endsWith(".safetensors")) {
            return "safetensors";
        }
        if (n.endsWith(".onnx")) {
            return "onnx";
        }
        throw new IllegalArgumentException("cannot tell the format of weights " + file
                + " (expected .h5, .safetensors, .onnx or a SavedModel folder); pass format=keras-h5|safetensors|savedmodel|onnx");
    }

    private static int intOpt(Map<String, String> o, String k, int def, int min) {
        String v = o.get(k);
        if (v == null) {
            return def;
        }
        try {
            int i = Integer.parseInt(v.strip());
            if (i < min) {
                throw new IllegalArgumentException("option " + k + " must be >= " + min + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + k + " must be an integer, got '" + v + "'", e);
        }
    }

    private static boolean bool(Map<String, String> o, String k, boolean def) {
        String v = o.get(k);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("option " + k + " must be true or false, got '" + v + "'");
        };
    }
}
