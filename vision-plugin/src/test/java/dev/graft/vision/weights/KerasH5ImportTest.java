package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TestFiles.KerasLayer;
import dev.graft.vision.TestFiles.KerasWeight;
import dev.graft.vision.TorchReference;
import dev.graft.vision.VggConfig;
import dev.graft.vision.image.ImagePreprocessing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KerasH5ImportTest {
    private static final Pattern BLOCK = Pattern.compile("layer(\\d)\\.(\\d+)\\.(conv|bn)(\\d)");
    private static final Pattern DOWN = Pattern.compile("layer(\\d)\\.(\\d+)\\.downsample\\.(\\d)");

    @TempDir
    Path dir;

    /** keras.applications' layer name for a torchvision module of ResNet50 v1. */
    static String kerasResNetLayer(String module) {
        if (module.equals("conv1")) {
            return "conv1_conv";
        }
        if (module.equals("bn1")) {
            return "conv1_bn";
        }
        if (module.equals("fc")) {
            return "predictions";
        }
        Matcher m = BLOCK.matcher(module);
        if (m.matches()) {
            return "conv" + (Integer.parseInt(m.group(1)) + 1) + "_block" + (Integer.parseInt(m.group(2)) + 1) + "_" + m.group(4)
                    + "_" + m.group(3);
        }
        m = DOWN.matcher(module);
        if (m.matches()) {
            return "conv" + (Integer.parseInt(m.group(1)) + 1) + "_block" + (Integer.parseInt(m.group(2)) + 1) + "_0_"
                    + (m.group(3).equals("0") ? "conv" : "bn");
        }
        throw new IllegalArgumentException(module);
    }

    static String kerasVggLayer(VggConfig c, String module) {
        switch (module) {
            case "classifier.0": return "fc1";
            case "classifier.3": return "fc2";
            case "classifier.6": return "predictions";
            default: break;
        }
        int idx = Integer.parseInt(module.substring("features.".length()));
        int i = 0;
        for (int blk = 0; blk < 5; blk++) {
            for (int j = 1; j <= c.convs().get(blk); j++) {
                if (i == idx) {
                    return "block" + (blk + 1) + "_conv" + j;
                }
                i += 2;
            }
            i++;
        }
        throw new IllegalArgumentException(module);
    }

    /** Converts torchvision-layout weights into Keras layers the way Keras stores them. */
    static List<KerasLayer> toKeras(Map<String, float[]> w, Map<String, long[]> shapes, java.util.function.UnaryOperator<String> layerOf,
            long fc1Channels) {
        Map<String, List<KerasWeight>> layers = new LinkedHashMap<>();
        layers.put("input_1", List.of());
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            String module = name.substring(0, name.lastIndexOf('.'));
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            String layer = layerOf.apply(module);
            long[] s = e.getValue();
            float[] v = w.get(name);
            KerasWeight kw;
            if (leaf.equals("weight") && s.length == 4) {
                kw = new KerasWeight("kernel:0", new long[] {s[2], s[3], s[1], s[0]}, TestFiles.oihwToHwio(v, s));
            } else if (leaf.equals("weight") && s.length == 2) {
                float[] t = layer.equals("fc1") ? chwRowsToHwc(v, s, fc1Channels) : v;
                kw = new KerasWeight("kernel:0", new long[] {s[1], s[0]}, TestFiles.transpose(t, s));
            } else {
                boolean bn = layer.endsWith("_bn");
                String k = switch (leaf) {
                    case "weight" -> "gamma:0";
                    case "bias" -> bn ? "beta:0" : "bias:0";
                    case "running_mean" -> "moving_mean:0";
                    case "running_var" -> "moving_variance:0";
                    default -> throw new IllegalArgumentException(name);
                };
                kw = new KerasWeight(k, s, v);
            }
            layers.computeIfAbsent(layer, x -> new ArrayList<>()).add(kw);
            if (layer.equals("conv1_conv") && !layers.containsKey("conv1_relu")) {
                layers.put("conv1_relu", List.of());
            }
        }
        List<KerasLayer> out = new ArrayList<>();
        layers.forEach((k, v) -> out.add(new KerasLayer(k, v)));
        return out;
    }

    /** Reorders a torch linear weight's input axis from (c, h, w) to (h, w, c); rows stay. */
    static float[] chwRowsToHwc(float[] v, long[] s, long ch) {
        int rows = (int) s[0], n = (int) s[1], c = (int) ch, hw = n / c;
        float[] out = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int cc = 0; cc < c; cc++) {
                for (int p = 0; p < hw; p++) {
                    out[r * n + p * c + cc] = v[r * n + cc * hw + p];
                }
            }
        }
        return out;
    }

    @Test
    void kerasResNet50WithTopMatchesReferenceArchitectureWithStrideOnFirstConvAndBiases() throws Exception {
        ResNetConfig cfg = ResNetConfig.keras50().withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 10);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 21);
        Path file = dir.resolve("resnet50_weights_tf_dim_ordering_tf_kernels.h5");
        TestFiles.writeKerasH5(file, toKeras(w, shapes, KerasH5ImportTest::kerasResNetLayer, 0));

        ImportedWeights iw = WeightImporter.kerasH5(file, WeightImporter.Target.withTop(cfg, 32, 10, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).hasSize(shapes.size());
        assertThat(iw.report().imported()).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("layer2.0.downsample.conv.kernel");
            assertThat(i.tensor()).isEqualTo("conv3_block1_0_conv/kernel");
        });
        assertThat(ImagePreprocessing.from(iw.preprocessing())).isEqualTo(ImagePreprocessing.caffe(32));
        HostTensor images = Fixtures.images(2, 32, 4);
        float[] logits = Fixtures.run(Fixtures.network(cfg, 32, 10), iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            Fixtures.assertClose(logits, ref.resnet(cfg, Fixtures.image(images, i), 10), i * 10, 1e-4, "logits of image " + i);
        }
    }

    @Test
    void kerasResNet50NoTopFileImportsAsBackboneAndWithTopFileSkipsPredictions() throws Exception {
        ResNetConfig cfg = ResNetConfig.keras50().withWidth(2);
        Map<String, long[]> noTop = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(TestFiles.torchResNetShapes(cfg, 10), 3);
        Path notop = dir.resolve("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5");
        TestFiles.writeKerasH5(notop, toKeras(w, noTop, KerasH5ImportTest::kerasResNetLayer, 0));
        ImportedWeights a = WeightImporter.kerasH5(notop, WeightImporter.Target.backbone(cfg, 32, true));
        assertThat(a.report().complete()).isTrue();
        assertThat(a.report().skipped()).isEmpty();

        Path top = dir.resolve("with_top.h5");
        TestFiles.writeKerasH5(top, toKeras(w, TestFiles.torchResNetShapes(cfg, 10), KerasH5ImportTest::kerasResNetLayer, 0));
        ImportedWeights b = WeightImporter.kerasH5(top, WeightImporter.Target.backbone(cfg, 32, true));
        assertThat(b.report().skipped()).extracting(ImportReport.Skipped::tensor)
                .containsExactlyInAnyOrder("predictions/kernel", "predictions/bias");
        assertThat(b.tensors()).hasSameSizeAs(a.tensors());
        b.tensors().forEach((k, v) -> assertThat(v.bitEquals(a.tensors().get(k))).as(k).isTrue());
    }

    @Test
    void wholeModelFileWithWeightsUnderModelWeightsImportsTheSame() throws Exception {
        VggConfig cfg = VggConfig.of(11, false).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchVggShapes(cfg, 0, 1);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 4);
        Path plain = dir.resolve("weights.h5");
        Path whole = dir.resolve("model.h5");
        TestFiles.writeKerasH5(plain, toKeras(w, shapes, m -> kerasVggLayer(cfg, m), 0));
        TestFiles.writeKerasH5(whole, toKeras(w, shapes, m -> kerasVggLayer(cfg, m), 0), true);
        ImportedWeights a = WeightImporter.kerasH5(plain, WeightImporter.Target.backbone(cfg, 32, true));
        ImportedWeights b = WeightImporter.kerasH5(whole, WeightImporter.Target.backbone(cfg, 32, true));
        assertThat(b.tensors()).hasSize(shapes.size()).hasSameSizeAs(a.tensors());
        b.tensors().forEach((k, v) -> assertThat(v.bitEquals(a.tensors().get(k))).as(k).isTrue());
    }

    @Test
    void kerasResNet50WeightsIntoTorchvisionResNet50NameTheKerasVariant() throws Exception {
        ResNetConfig keras = ResNetConfig.keras50().withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(keras, 0);
        Path file = dir.resolve("k.h5");
        TestFiles.writeKerasH5(file, toKeras(TorchReference.randomWeights(shapes, 3), shapes, KerasH5ImportTest::kerasResNetLayer, 0));
        assertThatThrownBy(() -> WeightImporter.kerasH5(file, WeightImporter.Target.backbone(ResNetConfig.torchvision(50).withWidth(2), 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining("resnet50-keras")
                .hasMessageContaining("UNKNOWN    conv1_conv/bias");
    }

    @Test
    void kerasVgg16WithTopMatchesReference() throws Exception {
        VggConfig cfg = VggConfig.of(16, false).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchVggShapes(cfg, 6, 2);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 8);
        Path file = dir.resolve("vgg16_weights_tf_dim_ordering_tf_kernels.h5");
        TestFiles.writeKerasH5(file, toKeras(w, shapes, m -> kerasVggLayer(cfg, m), cfg.featureChannels()));

        ImportedWeights iw = WeightImporter.kerasH5(file, WeightImporter.Target.withTop(cfg, 64, 6, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.tensors()).containsKeys("block5.conv3.kernel", "fc1.kernel", "fc2.kernel", "predictions.bias");
        HostTensor images = Fixtures.images(2, 64, 6);
        float[] logits = Fixtures.run(Fixtures.network(cfg, 64, 6), iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            Fixtures.assertClose(logits, ref.vgg(cfg, Fixtures.image(images, i), 6), i * 6, 1e-4, "logits of image " + i);
        }
    }

    @Test
    void fileWithoutKerasLayoutIsRejectedNamingTheFile() throws Exception {
        Path file = dir.resolve("plain.h5");
        try (io.jhdf.WritableHdfFile f = io.jhdf.HdfFile.write(file)) {
            f.putDataset("data", new float[] {1, 2, 3});
        }
        assertThatThrownBy(() -> WeightImporter.kerasH5(file, WeightImporter.Target.backbone(VggConfig.of(16, false), 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("layer_names");
    }
}
