package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TorchReference;
import dev.graft.vision.VggConfig;
import dev.graft.vision.image.ImagePreprocessing;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchvisionSafetensorsImportTest {
    @TempDir
    Path dir;

    @Test
    void resnet18FromTorchvisionSafetensorsMatchesPlainJavaReference() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 10);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 7);
        Path file = dir.resolve("resnet18.safetensors");
        TestFiles.writeTorchSafetensors(file, w, shapes);

        ImportedWeights iw = WeightImporter.safetensors(file, WeightImporter.Target.withTop(cfg, 32, 10, true));

        assertThat(iw.report().layout()).isEqualTo(WeightLayout.TORCHVISION);
        assertThat(iw.report().imported()).hasSize(shapes.size());
        assertThat(iw.report().skipped()).isNotEmpty().allMatch(s -> s.tensor().endsWith("num_batches_tracked"));
        assertThat(iw.report().complete()).isTrue();
        assertThat(ImagePreprocessing.from(iw.preprocessing())).isEqualTo(ImagePreprocessing.torch(32));

        Network net = Fixtures.network(cfg, 32, 10);
        HostTensor images = Fixtures.images(2, 32, 3);
        float[] logits = Fixtures.run(net, iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            Fixtures.assertClose(logits, ref.resnet(cfg, Fixtures.image(images, i), 10), i * 10, 1e-4, "logits of image " + i);
        }
    }

    @Test
    void bottleneckResNetTakesStrideOnTheThreeByThreeLikeTorchvision() throws Exception {
        ResNetConfig cfg = new ResNetConfig("resnet-tiny", true, java.util.List.of(1, 2, 1, 1), 4, false, false, 1e-5);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 11);
        Path file = dir.resolve("r.safetensors");
        TestFiles.writeTorchSafetensors(file, w, shapes);
        ImportedWeights iw = WeightImporter.safetensors(file, WeightImporter.Target.backbone(cfg, 48, true));
        HostTensor images = Fixtures.images(1, 48, 5);
        float[] feats = Fixtures.run(Fixtures.network(cfg, 48, 0), iw.tensors(), images, "features");
        Fixtures.assertClose(feats, new TorchReference(w).resnet(cfg, Fixtures.image(images, 0), 0), 0, 1e-4, "features");
    }

    @Test
    void vgg11WithBatchNormAndClassifierMatchesReferenceIncludingFlattenOrder() throws Exception {
        VggConfig cfg = VggConfig.of(11, true).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchVggShapes(cfg, 5, 2);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 13);
        Path file = dir.resolve("vgg11_bn.safetensors");
        TestFiles.writeTorchSafetensors(file, w, shapes);

        ImportedWeights iw = WeightImporter.safetensors(file, WeightImporter.Target.withTop(cfg, 64, 5, true));

        assertThat(iw.report().imported()).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("fc1.kernel");
            assertThat(i.transform()).isEqualTo("chw-rows-to-hwc");
        });
        HostTensor images = Fixtures.images(2, 64, 9);
        float[] logits = Fixtures.run(Fixtures.network(cfg, 64, 5), iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            Fixtures.assertClose(logits, ref.vgg(cfg, Fixtures.image(images, i), 5), i * 5, 1e-4, "logits of image " + i);
        }
    }

    @Test
    void classifierTopIsReportedAsSkippedWhenImportingABackbone() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 7);
        Path file = dir.resolve("top.safetensors");
        TestFiles.writeTorchSafetensors(file, TorchReference.randomWeights(shapes, 1), shapes);
        ImportedWeights iw = WeightImporter.safetensors(file, WeightImporter.Target.backbone(cfg, 32, true));
        assertThat(iw.report().skipped()).extracting(ImportReport.Skipped::tensor).contains("fc.weight", "fc.bias");
        assertThat(iw.tensors()).doesNotContainKey("fc.kernel").hasSize(shapes.size() - 2);
    }

    @Test
    void strictImportFailsListingMissingMisShapedAndUnknownTensors() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Map<String, long[]> shapes = new LinkedHashMap<>(TestFiles.torchResNetShapes(cfg, 0));
        shapes.remove("layer2.0.bn1.running_var");
        shapes.put("layer3.1.conv2.weight", new long[] {8, 8, 1, 1});
        shapes.put("extra.weight", new long[] {3});
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 2);
        Path file = dir.resolve("bad.safetensors");
        TestFiles.writeTorchSafetensors(file, w, shapes);

        assertThatThrownBy(() -> WeightImporter.safetensors(file, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining("MISSING    layer2.0.bn1.moving_variance <- layer2.0.bn1.running_var")
                .hasMessageContaining("MISSHAPED  layer3.1.conv2.kernel <- layer3.1.conv2.weight: expected [3, 3, 8, 8], file gives [8, 8, 1, 1]")
                .hasMessageContaining("UNKNOWN    extra.weight");

        ImportedWeights lenient = WeightImporter.safetensors(file, WeightImporter.Target.backbone(cfg, 32, false));
        assertThat(lenient.report().complete()).isFalse();
        assertThat(lenient.report().missing()).hasSize(1);
        assertThat(lenient.report().misShaped()).hasSize(1);
        assertThat(lenient.tensors()).doesNotContainKeys("layer2.0.bn1.moving_variance", "layer3.1.conv2.kernel");
    }

    @Test
    void truncatedSafetensorsFileIsRejectedNamingTheFile() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Path file = dir.resolve("cut.safetensors");
        TestFiles.writeTorchSafetensors(file, TorchReference.randomWeights(shapes, 2), shapes);
        byte[] all = java.nio.file.Files.readAllBytes(file);
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> WeightImporter.safetensors(file, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining(file.toString()).hasMessageContaining("outside");
    }
}
