package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TorchReference;
import dev.graft.vision.TorchvisionOnnx;
import dev.graft.vision.TorchvisionOnnx.Naming;
import dev.graft.vision.TorchvisionOnnx.Options;
import dev.graft.vision.VggConfig;
import dev.graft.vision.image.ImagePreprocessing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX files in the layout torchvision's {@code torch.onnx.export} writes (BatchNorm kept or folded
 * into the convolutions, state-dict, scoped-anonymous and PyTorch 1.x names) import onto Graft's
 * ResNet and VGG, and the imported networks agree with the plain-Java PyTorch-layout reference run
 * on the original, unfolded weights.
 */
class OnnxImportTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] onnx) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, onnx);
        return p;
    }

    @Test
    void resnet18WithBatchNormNodesMatchesPlainJavaReference() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 10);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 7);
        Path file = write("resnet18.onnx", TorchvisionOnnx.resnet(cfg, w, shapes, Options.named()));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.withTop(cfg, 32, 10, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).hasSize(shapes.size())
                .anySatisfy(i -> assertThat(i.tensor()).isEqualTo("layer1.0.conv1.weight"));
        assertThat(iw.report().layout()).isEqualTo(WeightLayout.TORCHVISION);
        assertThat(ImagePreprocessing.from(iw.preprocessing())).isEqualTo(ImagePreprocessing.torch(32));
        assertLogitsMatch(cfg, w, iw, 32, 10);
    }

    @Test
    void resnet18WithBatchNormFoldedIntoAnonymousConvolutionsMatchesReference() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(4);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 10);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 8);
        Path file = write("folded.onnx", TorchvisionOnnx.resnet(cfg, w, shapes, Options.folded(Naming.SCOPED)));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.withTop(cfg, 32, 10, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("layer2.0.downsample.conv.kernel");
            assertThat(i.tensor()).matches("onnx::Conv_\\d+ as layer2\\.0\\.downsample\\.0\\.weight");
            assertThat(i.transform()).isEqualTo("oihw-to-hwio");
        }).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("stem.bn.beta");
            assertThat(i.tensor()).matches("onnx::Conv_\\d+ as bn1\\.bias");
        }).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("stem.bn.gamma");
            assertThat(i.tensor()).startsWith("sqrt(1 + eps) (BatchNorm folded into onnx::Conv_");
        });
        assertLogitsMatch(cfg, w, iw, 32, 10);
    }

    @Test
    void legacyExportIsNamedByPositionWithTheShortcutFoundByDataFlow() throws Exception {
        ResNetConfig cfg = new ResNetConfig("resnet-tiny", true, List.of(1, 2, 1, 1), 4, false, false, 1e-5);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 11);
        Path file = write("legacy.onnx", TorchvisionOnnx.resnet(cfg, w, shapes,
                Options.folded(Naming.LEGACY).withShortcutFirst()));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.backbone(cfg, 48, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("layer1.0.downsample.conv.kernel");
            assertThat(i.tensor()).matches("\\d+ as layer1\\.0\\.downsample\\.0\\.weight");
        });
        HostTensor images = Fixtures.images(1, 48, 5);
        float[] feats = Fixtures.run(Fixtures.network(cfg, 48, 0), iw.tensors(), images, "features");
        Fixtures.assertClose(feats, new TorchReference(w).resnet(cfg, Fixtures.image(images, 0), 0), 0, 1e-4, "features");
    }

    @Test
    void vgg11WithFoldedBatchNormAndGemmClassifierMatchesReferenceIncludingFlattenOrder() throws Exception {
        VggConfig cfg = VggConfig.of(11, true).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchVggShapes(cfg, 5, 2);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 13);
        Path file = write("vgg11_bn.onnx", TorchvisionOnnx.vgg(cfg, w, shapes, Options.folded(Naming.SCOPED)));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.withTop(cfg, 64, 5, true));

        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().skipped()).singleElement().satisfies(s -> assertThat(s.reason())
                .startsWith("graph constant of ONNX type 7 (read by Reshape node '/Reshape')"));
        assertThat(iw.report().imported()).anySatisfy(i -> {
            assertThat(i.parameter()).isEqualTo("fc1.kernel");
            assertThat(i.transform()).isEqualTo("chw-rows-to-hwc");
        });
        assertLogitsMatch(cfg, w, iw, 64, 5);
    }

    @Test
    void vggWithoutBatchNormTakesGemmWeightsStoredInByOut() throws Exception {
        VggConfig cfg = VggConfig.of(11, false).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchVggShapes(cfg, 3, 1);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 17);
        Path file = write("vgg11.onnx", TorchvisionOnnx.vgg(cfg, w, shapes, Options.named().withTransB(0)));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.withTop(cfg, 32, 3, true));

        assertThat(iw.report().complete()).isTrue();
        assertLogitsMatch(cfg, w, iw, 32, 3);
    }

    @Test
    void batchNormEpsilonOfTheFileIsMovedIntoTheVariance() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        ResNetConfig asExported = new ResNetConfig("resnet18", false, cfg.depths(), 2, false, false, 1e-3);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 3);
        Path file = write("eps.onnx", TorchvisionOnnx.resnet(cfg, w, shapes, Options.named().withEpsilon(1e-3f)));

        ImportedWeights iw = WeightImporter.onnx(file, WeightImporter.Target.backbone(cfg, 32, true));

        assertThat(iw.report().imported()).anySatisfy(i -> assertThat(i.tensor())
                .startsWith("bn1.running_var (plus 9.9"));
        HostTensor images = Fixtures.images(1, 32, 4);
        float[] feats = Fixtures.run(Fixtures.network(cfg, 32, 0), iw.tensors(), images, "features");
        Fixtures.assertClose(feats, new TorchReference(w).resnet(asExported, Fixtures.image(images, 0), 0), 0, 1e-4,
                "features");
    }

    @Test
    void resnetV1StridesAreRefusedNamingTheNodeAndTheFix() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(50).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 5);
        Path file = write("v1.onnx", TorchvisionOnnx.resnet(cfg, w, shapes, Options.folded(Naming.SCOPED).withStrideOnFirst()));

        assertThatThrownBy(() -> WeightImporter.onnx(file, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining("(strict import)")
                .hasMessageContaining("Conv node '/layer2/layer2.0/conv1/Conv' (as layer2.0.conv1) has strides [2, 2] where "
                        + "resnet50 has stride 1")
                .hasMessageContaining("MISSING    layer2.0.conv1.kernel");
    }

    @Test
    void strictImportListsMisShapedUnknownAndUnplacedTensorsByTheirOnnxNames() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Map<String, long[]> shapes = new LinkedHashMap<>(TestFiles.torchResNetShapes(cfg, 0));
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 2);
        ResNetConfig wider = cfg.withWidth(3);
        Map<String, long[]> wideShapes = TestFiles.torchResNetShapes(wider, 0);
        byte[] onnx = TorchvisionOnnx.resnet(wider, TorchReference.randomWeights(wideShapes, 2), wideShapes,
                Options.folded(Naming.SCOPED));
        Path file = write("wide.onnx", onnx);

        assertThatThrownBy(() -> WeightImporter.onnx(file, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining(file.toString())
                .hasMessageMatching("(?s).*MISSHAPED  stem\\.conv\\.kernel <- onnx::Conv_\\d+ as conv1\\.weight: expected "
                        + "\\[7, 7, 3, 2\\], file gives \\[3, 3, 7, 7\\].*");

        Path extra = write("extra.onnx", withExtraInitializer(TorchvisionOnnx.resnet(cfg, w, shapes, Options.named())));
        assertThatThrownBy(() -> WeightImporter.onnx(extra, WeightImporter.Target.backbone(cfg, 32, true)))
                .hasMessageContaining("UNKNOWN    normalize.mean [3]: read by no node");
        ImportedWeights lenient = WeightImporter.onnx(extra, WeightImporter.Target.backbone(cfg, 32, false));
        assertThat(lenient.report().unknown()).hasSize(1);
        assertThat(lenient.tensors()).hasSize(shapes.size());
    }

    @Test
    void hostileOnnxFilesFailNamingTheFileAndTheTensor() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 0);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 2);
        byte[] ok = TorchvisionOnnx.resnet(cfg, w, shapes, Options.named());
        Path cut = write("cut.onnx", Arrays.copyOf(ok, ok.length - 100));
        assertThatThrownBy(() -> WeightImporter.onnx(cut, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining(cut.toString());

        // conv1.weight declares 2^40 x 2^40 elements in a few bytes: refused from its dims, nothing allocated
        Map<String, long[]> huge = new LinkedHashMap<>(shapes);
        huge.put("conv1.weight", new long[] {1L << 40, 1L << 40, 7, 7});
        Map<String, float[]> hw = new LinkedHashMap<>(w);
        hw.put("conv1.weight", new float[4]);
        Path big = write("huge.onnx", TorchvisionOnnx.resnet(cfg, hw, huge, Options.named()));
        assertThatThrownBy(() -> WeightImporter.onnx(big, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class)
                .hasMessageContaining("MISSHAPED  stem.conv.kernel <- conv1.weight: expected [7, 7, 3, 2], file gives "
                        + "[1099511627776, 1099511627776, 7, 7]");

        // right dims, too few bytes: refused when read, naming the tensor
        Map<String, float[]> shortW = new LinkedHashMap<>(w);
        shortW.put("layer1.0.conv2.weight", new float[5]);
        Path shortFile = write("short.onnx", TorchvisionOnnx.resnet(cfg, shortW, shapes, Options.named()));
        assertThatThrownBy(() -> WeightImporter.onnx(shortFile, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining(shortFile.toString())
                .hasMessageContaining("layer1.0.conv2.weight").hasMessageContaining("raw_data holds 20 bytes");

        Path text = write("text.onnx", "not an onnx model\n".getBytes());
        assertThatThrownBy(() -> WeightImporter.onnx(text, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining(text.toString());
    }

    /** Appends an initializer read by no node (graph field 5) to a model's graph. */
    private static byte[] withExtraInitializer(byte[] model) {
        TorchvisionOnnx.Msg extraGraph = new TorchvisionOnnx.Msg().msg(5, TorchvisionOnnx.tensor("normalize.mean", 1,
                TorchvisionOnnx.floats(new float[] {0.485f, 0.456f, 0.406f}), 3));
        // a second ModelProto.graph field merges into the first, as protocol buffers define
        byte[] more = new TorchvisionOnnx.Msg().msg(7, extraGraph).toBytes();
        byte[] out = Arrays.copyOf(model, model.length + more.length);
        System.arraycopy(more, 0, out, model.length, more.length);
        return out;
    }

    private static void assertLogitsMatch(dev.graft.vision.VisionArchitecture cfg, Map<String, float[]> w, ImportedWeights iw,
            int size, int classes) {
        HostTensor images = Fixtures.images(2, size, 9);
        float[] logits = Fixtures.run(Fixtures.network(cfg, size, classes), iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            float[] expected = cfg instanceof ResNetConfig r ? ref.resnet(r, Fixtures.image(images, i), classes)
                    : ref.vgg((VggConfig) cfg, Fixtures.image(images, i), classes);
            Fixtures.assertClose(logits, expected, i * classes, 1e-4, "logits of image " + i);
        }
    }
}
