package dev.graft.vision.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.vision.Features;
import dev.graft.vision.VisionArchitecture;
import dev.graft.vision.image.BadImageException;
import dev.graft.vision.image.ImageDecoder;
import dev.graft.vision.image.ImagePreprocessing;
import dev.graft.vision.image.ImageTransforms;
import dev.graft.vision.image.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A ResNet or VGG backbone: one NHWC image input named {@code image}, pooled features out, blocks
 * as cut points, and {@link #encode} decoding and normalising images as its weights expect.
 */
public final class ImageBackbone implements Backbone {
    /** The scope core opens for backbones; weight names and block patterns carry it. */
    public static final String SCOPE = "backbone";
    public static final String INPUT = "image";

    private final String name;
    private final VisionArchitecture arch;
    private final ImagePreprocessing pre;
    private final java.util.function.Supplier<Map<String, HostTensor>> source;
    private Map<String, HostTensor> weights;
    private final double minCropScale;
    private final boolean flip;
    private final ImageDecoder decoder;
    private volatile String fingerprint;
    private final boolean pretrained;
    private final List<String> featureBlocks;

    /**
     * @param weights pretrained values by parameter name relative to the backbone scope; empty for random init
     */
    public ImageBackbone(String name, VisionArchitecture arch, ImagePreprocessing pre, Map<String, HostTensor> weights,
            double minCropScale, boolean flip, ImageDecoder decoder) {
        this(name, arch, pre, () -> weights, minCropScale, flip, decoder, !weights.isEmpty(), List.of("pool"));
    }

    /**
     * With weights read on first use: a saved model reopens the backbone only to encode inputs
     * and never reads the weight file again.
     *
     * @param weights supplies pretrained values by parameter name relative to the backbone scope
     */
    public ImageBackbone(String name, VisionArchitecture arch, ImagePreprocessing pre,
            java.util.function.Supplier<Map<String, HostTensor>> weights, double minCropScale, boolean flip,
            ImageDecoder decoder) {
        this(name, arch, pre, weights, minCropScale, flip, decoder, true, List.of("pool"));
    }

    private ImageBackbone(String name, VisionArchitecture arch, ImagePreprocessing pre,
            java.util.function.Supplier<Map<String, HostTensor>> weights, double minCropScale, boolean flip,
            ImageDecoder decoder, boolean pretrained, List<String> featureBlocks) {
        this.featureBlocks = List.copyOf(featureBlocks);
        this.pretrained = pretrained;
        this.name = name;
        this.arch = arch;
        this.pre = pre;
        this.source = weights;
        this.minCropScale = minCropScale;
        this.flip = flip;
        this.decoder = decoder;
    }

    /**
     * The same backbone giving as features the global average pool of each named block's output,
     * concatenated in order ({@code pool} = the network's own pooled output, the default).
     */
    public ImageBackbone withFeatures(List<String> blocks) {
        for (String blk : blocks) {
            if (!arch.blocks().contains(blk)) {
                throw new IllegalArgumentException("features: no block '" + blk + "' in " + name + "; blocks are "
                        + arch.blocks());
            }
        }
        if (blocks.isEmpty() || new java.util.HashSet<>(blocks).size() != blocks.size()) {
            throw new IllegalArgumentException("features: give one or more distinct blocks of " + arch.blocks() + ", got " + blocks);
        }
        return new ImageBackbone(name, arch, pre, source, minCropScale, flip, decoder, pretrained, blocks);
    }

    public VisionArchitecture architecture() {
        return arch;
    }

    public ImagePreprocessing imagePreprocessing() {
        return pre;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec(INPUT, DType.FLOAT32, Shape.of(-1, pre.size(), pre.size(), 3)));
    }

    @Override
    public Preprocessing preprocessing() {
        return pre.toPreprocessing();
    }

    @Override
    public List<Block> blocks() {
        return arch.blocks().stream().map(b -> new Block(b, SCOPE + "." + b + ".**")).toList();
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> inputs) {
        Node image = inputs.get(INPUT);
        if (image == null) {
            throw new IllegalArgumentException("backbone " + name + " needs the input '" + INPUT + "', got " + inputs.keySet());
        }
        Features f = arch.build(b, image);
        if (featureBlocks.equals(List.of("pool"))) {
            return f.pooled();
        }
        Node[] parts = new Node[featureBlocks.size()];
        for (int i = 0; i < parts.length; i++) {
            String blk = featureBlocks.get(i);
            parts[i] = blk.equals("pool") ? f.pooled() : b.globalAvgPool(f.endpoints().get(blk));
        }
        return parts.length == 1 ? parts[0] : b.concat(1, parts);
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        int s = pre.size();
        int per = s * s * 3;
        float[] out = new float[batch.size() * per];
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.get(i);
            RgbImage img = load(e);
            RgbImage t = training
                    ? ImageTransforms.training(img, pre, minCropScale, flip, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i))
                    : ImageTransforms.evaluation(img, pre);
            ImageTransforms.normalise(t, pre, out, i * per);
        }
        return Map.of(INPUT, HostTensor.of(out, batch.size(), s, s, 3));
    }

    private RgbImage load(Example e) {
        Object in = e.input();
        if (in instanceof RgbImage r) {
            return r;
        }
        if (in instanceof BufferedImage bi) {
            return RgbImage.of(bi);
        }
        if (in instanceof Path p) {
            return decoder.decode(p);
        }
        if (in instanceof String str) {
            return decoder.decode(Path.of(str));
        }
        throw new BadImageException(e.source(), "backbone " + name + " reads images (a Path, RgbImage or BufferedImage), got "
                + (in == null ? "nothing" : in.getClass().getSimpleName()));
    }

    /** Whether weights were given (known without reading them). */
    @Override
    public boolean pretrained() {
        return pretrained;
    }

    @Override
    public synchronized Map<String, HostTensor> weights() {
        if (weights == null) {
            Map<String, HostTensor> w = new LinkedHashMap<>();
            source.get().forEach((k, v) -> w.put(SCOPE + "." + k, v));
            weights = java.util.Collections.unmodifiableMap(w);
        }
        return weights;
    }

    @Override
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update((name + "|" + arch + "|" + pre.toPreprocessing().canonical()
                        + (featureBlocks.equals(List.of("pool")) ? "" : "|features=" + String.join("+", featureBlocks)))
                        .getBytes(StandardCharsets.UTF_8));
                for (Map.Entry<String, HostTensor> e : new TreeMap<>(weights()).entrySet()) {
                    md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                    md.update(e.getValue().shape().toString().getBytes(StandardCharsets.UTF_8));
                    ByteBuffer b = e.getValue().buffer();
                    md.update(b);
                }
                f = HexFormat.of().formatHex(md.digest());
                fingerprint = f;
            } catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return f;
    }

    @Override
    public String toString() {
        return "Backbone[" + name + ", " + arch + ", " + pre + ", " + weights.size() + " pretrained tensors]";
    }
}
