package dev.graft.vision.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.core.Graft;
import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TorchReference;
import dev.graft.vision.TorchvisionOnnx;
import dev.graft.vision.image.ImageDecoderTest;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisionBackboneProviderTest {
    @TempDir
    Path dir;

    @Test
    void providerIsDiscoveredWithEveryBackbone() {
        ServiceLoaderBackboneRegistry reg = new ServiceLoaderBackboneRegistry();
        assertThat(reg.backbones().keySet()).contains("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                "resnet50-keras", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg16_bn", "vgg19_bn");
    }

    @Test
    void backboneOffersCutPointsInputAndEncodesAsItsPreprocessingSays() throws Exception {
        Backbone b = new VisionBackboneProvider().create("resnet18", Map.of("width", "4", "size", "32"));
        assertThat(b.blocks()).extracting(Block::name).containsExactly("stem", "layer1", "layer2", "layer3", "layer4", "pool");
        assertThat(b.blocks().get(1).pattern()).isEqualTo("backbone.layer1.**");
        assertThat(b.inputs().get(0).shape().dims()).containsExactly(-1, 32, 32, 3);
        Path img = ImageDecoderTest.png(dir.resolve("x.png"), 50, 40, new Color(255, 0, 51));
        HostTensor t = b.encode(List.of(new Example("x", img, "a")), false, 1).get("image");
        assertThat(t.shape().dims()).containsExactly(1, 32, 32, 3);
        float[] v = t.floats();
        assertThat(v[0]).isCloseTo((1f - 0.485f) / 0.229f, within(1e-4f));
        assertThat(v[1]).isCloseTo((0f - 0.456f) / 0.224f, within(1e-4f));
        assertThat(v[2]).isCloseTo((0.2f - 0.406f) / 0.225f, within(1e-4f));
        HostTensor aug1 = b.encode(List.of(new Example("x", img, "a")), true, 7).get("image");
        HostTensor aug2 = b.encode(List.of(new Example("x", img, "a")), true, 7).get("image");
        assertThat(aug1.bitEquals(aug2)).isTrue();
    }

    @Test
    void weightsOptionImportsPrefixedWeightsAndTheirPreprocessing() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 1000);
        Path file = dir.resolve("resnet18.safetensors");
        TestFiles.writeTorchSafetensors(file, TorchReference.randomWeights(shapes, 1), shapes);
        Backbone b = new VisionBackboneProvider().create("resnet18", Map.of("width", "4", "size", "64", "weights", file.toString()));
        assertThat(b.preprocessing().kind()).isEqualTo("torch");
        assertThat(b.preprocessing().params()).containsEntry("size", "64").containsEntry("resize", "73");
        assertThat(b.weights()).containsKey("backbone.layer3.0.downsample.bn.moving_mean").hasSize(shapes.size() - 2);
        assertThat(b.fingerprint()).hasSize(64).isEqualTo(
                new VisionBackboneProvider().create("resnet18", Map.of("width", "4", "size", "64", "weights", file.toString())).fingerprint());
    }

    @Test
    void onnxExportIsAcceptedAsWeightsByItsNameOrByFormatAndListedAmongTheFormats() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 1000);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 1);
        byte[] onnx = TorchvisionOnnx.resnet(cfg, w, shapes, TorchvisionOnnx.Options.folded(TorchvisionOnnx.Naming.SCOPED));
        Path file = dir.resolve("resnet18.onnx");
        java.nio.file.Files.write(file, onnx);
        Path unnamed = dir.resolve("resnet18.model");
        java.nio.file.Files.write(unnamed, onnx);
        VisionBackboneProvider p = new VisionBackboneProvider();
        Backbone b = p.create("resnet18", Map.of("width", "4", "size", "64", "weights", file.toString()));
        assertThat(b.preprocessing().kind()).isEqualTo("torch");
        assertThat(b.weights()).containsKey("backbone.layer3.0.downsample.bn.beta").hasSize(shapes.size() - 2);
        Backbone byFormat = p.create("resnet18", Map.of("width", "4", "size", "64", "weights", unnamed.toString(),
                "format", "onnx"));
        assertThat(byFormat.weights().get("backbone.stem.conv.kernel").bitEquals(b.weights().get("backbone.stem.conv.kernel")))
                .isTrue();
        assertThatThrownBy(() -> p.create("resnet18", Map.of("weights", unnamed.toString())))
                .hasMessageContaining(".onnx").hasMessageContaining("format=keras-h5|safetensors|savedmodel|onnx");
        assertThat(p.weightsStatus("resnet50").formats()).contains("onnx");
        assertThat(p.weightsStatus("vgg16_bn").formats()).contains("onnx");
        assertThat(p.weightsStatus("resnet18").howTo()).contains("resnet18.onnx");
    }

    @Test
    void featuresOptionConcatenatesThePooledOutputsOfTheNamedBlocks() {
        VisionBackboneProvider p = new VisionBackboneProvider();
        Backbone pooled = p.create("resnet18", Map.of("width", "4", "size", "32"));
        Backbone multi = p.create("resnet18", Map.of("width", "4", "size", "32", "features", "layer3+layer4"));
        dev.graft.engine.spi.graph.NetworkBuilder b = new dev.graft.engine.spi.graph.NetworkBuilder();
        dev.graft.engine.spi.graph.Node x = b.input("image", dev.graft.engine.spi.DType.FLOAT32, -1, 32, 32, 3);
        assertThat(multi.build(b, Map.of("image", x)).shape().dims()).containsExactly(-1, 16 + 32);
        dev.graft.engine.spi.graph.NetworkBuilder b2 = new dev.graft.engine.spi.graph.NetworkBuilder();
        dev.graft.engine.spi.graph.Node x2 = b2.input("image", dev.graft.engine.spi.DType.FLOAT32, -1, 32, 32, 3);
        assertThat(pooled.build(b2, Map.of("image", x2)).shape().dims()).containsExactly(-1, 32);
        assertThat(multi.fingerprint()).isNotEqualTo(pooled.fingerprint());
        assertThat(multi.blocks()).isEqualTo(pooled.blocks());
        assertThatThrownBy(() -> p.create("resnet18", Map.of("features", "layer5"))).hasMessageContaining("no block 'layer5'")
                .hasMessageContaining("layer4");
        assertThatThrownBy(() -> p.create("vgg11", Map.of("features", "block5+block5"))).hasMessageContaining("distinct");
    }

    @Test
    void badOptionsAreRejectedNamingTheValidChoices() {
        VisionBackboneProvider p = new VisionBackboneProvider();
        assertThatThrownBy(() -> p.create("resnet18", Map.of("widht", "4"))).hasMessageContaining("unknown option 'widht'");
        assertThatThrownBy(() -> p.create("resnet17", Map.of())).hasMessageContaining("unknown backbone 'resnet17'");
        assertThatThrownBy(() -> p.create("vgg16", Map.of("weights", "/nonexistent/w.h5"))).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> p.create("vgg16", Map.of("preprocessing", "tf"))).hasMessageContaining("caffe, torch or unit");
    }

    @Test
    void hybridPipelineOnAnImageFolderTrainsTheTopAndKeepsTheStem() throws Exception {
        Path root = dir.resolve("shapes");
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String label = i % 2 == 0 ? "red" : "blue";
            java.nio.file.Files.createDirectories(root.resolve(label));
            Path f = ImageDecoderTest.png(root.resolve(label).resolve(i + ".png"), 20, 20, i % 2 == 0 ? Color.RED : Color.BLUE);
            examples.add(new Example(f.toString(), f, label));
        }
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Path weights = dir.resolve("w.safetensors");
        TestFiles.writeTorchSafetensors(weights, TorchReference.randomWeights(shapes, 3), shapes);
        Graft graft = Graft.create();
        Map<String, String> bb = Map.of("width", "4", "size", "32", "weights", weights.toString());
        PipelineResult r = graft.pipeline().data(root, "image-folder", Map.of())
                .backbone("resnet18", bb)
                .strategy("hybrid", Map.of("cut", "layer3"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(2).withBatchSize(8).withLearningRate(1e-2).withValidationFraction(0.25))
                .cacheDir(dir.resolve("cache"))
                .run();
        Backbone pretrained = new VisionBackboneProvider().create("resnet18", bb);
        Map<String, HostTensor> trained = r.model().weights();
        assertThat(trained.get("backbone.stem.conv.kernel").bitEquals(pretrained.weights().get("backbone.stem.conv.kernel"))).isTrue();
        assertThat(trained.get("backbone.layer2.1.bn2.moving_mean").bitEquals(pretrained.weights().get("backbone.layer2.1.bn2.moving_mean"))).isTrue();
        assertThat(trained.get("backbone.layer4.1.conv2.kernel").bitEquals(pretrained.weights().get("backbone.layer4.1.conv2.kernel"))).isFalse();
        assertThat(r.model().preprocessing().kind()).isEqualTo("torch");
        assertThat(r.history().epochs()).hasSize(2);
    }

    @Test
    void savedModelPredictsTheSameAfterItsWeightsFileIsReplacedByUnreadableData() throws Exception {
        Path root = dir.resolve("colours");
        for (int i = 0; i < 12; i++) {
            String label = i % 2 == 0 ? "red" : "blue";
            java.nio.file.Files.createDirectories(root.resolve(label));
            ImageDecoderTest.png(root.resolve(label).resolve(i + ".png"), 20, 20, i % 2 == 0 ? Color.RED : Color.BLUE);
        }
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Path weights = dir.resolve("pretrained.safetensors");
        TestFiles.writeTorchSafetensors(weights, TorchReference.randomWeights(shapes, 8), shapes);
        Graft graft = Graft.create();
        Map<String, String> bb = Map.of("width", "4", "size", "32", "weights", weights.toString());
        PipelineResult r = graft.pipeline().data(root, "image-folder", Map.of()).backbone("resnet18", bb)
                .strategy("fine-tuning", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(1).withBatchSize(6).withLearningRate(1e-2).withValidationFraction(0.25))
                .cacheDir(dir.resolve("cache")).run();
        Path saved = dir.resolve("saved");
        r.model().save(saved);
        Path probe = ImageDecoderTest.png(dir.resolve("probe.png"), 20, 20, Color.RED);
        List<Example> in = List.of(new Example("probe", probe, null));
        float[][] before;
        try (dev.graft.core.model.Predictor p = graft.predictor(saved, null)) {
            before = p.scores(in);
        }
        // same header (names, shapes, metadata), every tensor value replaced by 3.4e38
        byte[] b = java.nio.file.Files.readAllBytes(weights);
        long header = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        java.util.Arrays.fill(b, (int) (8 + header), b.length, (byte) 0x7F);
        java.nio.file.Files.write(weights, b);
        List<String> imports = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(VisionBackboneProvider.class.getName());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord rec) {
                imports.add(rec.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            try (dev.graft.core.model.Predictor p = graft.predictor(saved, null)) {
                assertThat(p.scores(in)[0]).containsExactly(before[0]);
            }
            assertThat(imports).as("weight imports while predicting").isEmpty();
            Backbone fresh = new VisionBackboneProvider().create("resnet18", bb);
            assertThat(fresh.weights().get("backbone.stem.conv.kernel").getFloat(0)).isEqualTo(Float.intBitsToFloat(0x7F7F7F7F));
            assertThat(imports).as("the import a weights() call logs").hasSize(1);
        } finally {
            log.removeHandler(h);
        }
    }
}
