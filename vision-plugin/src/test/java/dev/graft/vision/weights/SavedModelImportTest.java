package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TestFiles.KerasLayer;
import dev.graft.vision.TestFiles.KerasWeight;
import dev.graft.vision.TorchReference;
import dev.graft.vision.image.ImagePreprocessing;
import dev.graft.weights.TensorBundleWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class SavedModelImportTest {
    @TempDir
    Path dir;

    /**
     * Writes a TensorFlow SavedModel whose variables carry Keras names ({@code conv1_conv/kernel}),
     * the way a Keras model saved with {@code tf.saved_model.save} names them, using TensorFlow's
     * own exporter.
     */
    static void writeKerasNamedSavedModel(Path export, List<KerasLayer> layers) throws Exception {
        try (Graph g = new Graph(); Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            for (KerasLayer l : layers) {
                if (l.weights().isEmpty()) {
                    continue;
                }
                Ops scope = tf.withSubScope(l.name());
                for (KerasWeight w : l.weights()) {
                    Operand<TFloat32> init = tf.constant(Shape.of(w.shape()), DataBuffers.of(w.values(), true, false));
                    scope.withName(w.name().replace(":0", "")).variable(init);
                }
            }
            var x = tf.withName("x").placeholder(TFloat32.class);
            var y = tf.withName("y").identity(x);
            s.initialize();
            SavedModelBundle.exporter(export.toString()).withSession(s)
                    .withSignature(Signature.builder().key(Signature.DEFAULT_KEY).input("x", x).output("y", y).build()).export();
        }
    }

    @Test
    void kerasNamedSavedModelVariablesGiveTheReferenceOutputs() throws Exception {
        ResNetConfig cfg = ResNetConfig.keras50().withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 4);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 31);
        Path export = dir.resolve("resnet50_savedmodel");
        writeKerasNamedSavedModel(export, KerasH5ImportTest.toKeras(w, shapes, KerasH5ImportTest::kerasResNetLayer, 0));

        ImportedWeights iw = WeightImporter.savedModel(export, WeightImporter.Target.withTop(cfg, 32, 4, true));
        assertThat(iw.report().layout()).isEqualTo(WeightLayout.KERAS);
        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).hasSize(shapes.size());
        assertThat(iw.report().imported()).extracting(ImportReport.Imported::tensor).contains("conv2_block1_1_conv/kernel");
        assertThat(ImagePreprocessing.from(iw.preprocessing())).isEqualTo(ImagePreprocessing.caffe(32));
        assertReferenceLogits(cfg, w, iw);
    }

    private static void assertReferenceLogits(ResNetConfig cfg, Map<String, float[]> w, ImportedWeights iw) {
        HostTensor images = Fixtures.images(2, 32, 12);
        float[] logits = Fixtures.run(Fixtures.network(cfg, 32, 4), iw.tensors(), images, "logits");
        TorchReference ref = new TorchReference(w);
        for (int i = 0; i < 2; i++) {
            Fixtures.assertClose(logits, ref.resnet(cfg, Fixtures.image(images, i), 4), i * 4, 1e-4, "logits of image " + i);
        }
    }

    /**
     * A SavedModel as TensorFlow 2 writes one ({@code tf.saved_model.save} of a Keras model): the
     * checkpoint keys are object paths and the object graph records each variable's name. Its
     * {@code saved_model.pb} is not even a graph: importing reads only {@code variables/}.
     */
    @Test
    void tensorFlow2ObjectGraphKeysImportUnderTheirKerasNamesWithoutLoadingTheGraph() throws Exception {
        ResNetConfig cfg = ResNetConfig.keras50().withWidth(2);
        Map<String, long[]> shapes = TestFiles.torchResNetShapes(cfg, 4);
        Map<String, float[]> w = TorchReference.randomWeights(shapes, 32);
        Path export = dir.resolve("tf2_savedmodel");
        java.nio.file.Files.createDirectories(export.resolve("variables"));
        java.nio.file.Files.write(export.resolve("saved_model.pb"), "not a graph".getBytes());
        TensorBundleWriter bundle = new TensorBundleWriter();
        java.io.ByteArrayOutputStream graph = new java.io.ByteArrayOutputStream();
        int layer = 0;
        for (KerasLayer l : KerasH5ImportTest.toKeras(w, shapes, KerasH5ImportTest::kerasResNetLayer, 0)) {
            if (l.weights().isEmpty()) {
                continue;
            }
            for (KerasWeight kw : l.weights()) {
                String attr = kw.name().replace(":0", "");
                String key = "layer_with_weights-" + layer + "/" + attr + "/.ATTRIBUTES/VARIABLE_VALUE";
                bundle.add(key, HostTensor.of(kw.values(), kw.shape()));
                java.io.ByteArrayOutputStream a = new java.io.ByteArrayOutputStream();
                field(a, 1, "VARIABLE_VALUE");
                field(a, 2, l.name() + "/" + attr);
                field(a, 3, key);
                java.io.ByteArrayOutputStream node = new java.io.ByteArrayOutputStream();
                field(node, 2, a.toByteArray());
                field(graph, 1, node.toByteArray());
            }
            layer++;
        }
        bundle.addStrings(dev.graft.weights.TensorBundle.OBJECT_GRAPH_KEY, new long[0], graph.toByteArray());
        bundle.write(export.resolve("variables/variables"));

        ImportedWeights iw = WeightImporter.savedModel(export, WeightImporter.Target.withTop(cfg, 32, 4, true));
        assertThat(iw.report().layout()).isEqualTo(WeightLayout.KERAS);
        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.report().imported()).extracting(ImportReport.Imported::tensor).contains("conv2_block1_1_conv/kernel");
        assertReferenceLogits(cfg, w, iw);
        try (dev.graft.core.spi.Backbone b = new dev.graft.vision.internal.VisionBackboneProvider().create("resnet50-keras",
                Map.of("weights", export.toString(), "size", "32", "width", "2"))) {
            assertThat(b.weights()).isNotEmpty();
            assertThat(b.preprocessing().canonical()).isEqualTo(ImagePreprocessing.caffe(32).toPreprocessing().canonical());
        }
    }

    private static void field(java.io.ByteArrayOutputStream out, int number, String value) {
        field(out, number, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void field(java.io.ByteArrayOutputStream out, int number, byte[] value) {
        out.write(number << 3 | 2);
        int n = value.length;
        while (n >= 0x80) {
            out.write((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out.write(n);
        out.writeBytes(value);
    }

    @Test
    void variablesOfASavedModelExportedByTheEngineGiveTheExportedModelsOutputs() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        dev.graft.engine.spi.graph.NetworkBuilder b = new dev.graft.engine.spi.graph.NetworkBuilder();
        dev.graft.engine.spi.graph.Node x = b.input("image", dev.graft.engine.spi.DType.FLOAT32, -1, 32, 32, 3);
        try (dev.graft.engine.spi.graph.NetworkBuilder.Scope s = b.scope("backbone")) {
            b.output("features", cfg.build(b, x).pooled());
        }
        HostTensor images = Fixtures.images(3, 32, 17);
        Path export = dir.resolve("exported");
        float[] expected;
        try (CompiledModel m = Fixtures.ENGINE.compile(b.build(), 5)) {
            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            m.parameters().forEach((k, v) -> shapes.put(k, v.shape().dims()));
            Map<String, HostTensor> values = new java.util.LinkedHashMap<>();
            TorchReference.randomWeights(shapes, 4).forEach((k, v) -> values.put(k, HostTensor.of(v, shapes.get(k))));
            m.setParameters(values);
            expected = m.predict(Map.of("image", images), "features").floats();
            Fixtures.ENGINE.exportSavedModel(m, List.of("features"), export);
        }
        // TensorFlow wrote this checkpoint: its keys are the variables' names
        try (dev.graft.weights.TensorBundle bundle = dev.graft.weights.TensorBundle.openSavedModel(export)) {
            assertThat(bundle.entries()).containsKey("var_param_backbone.layer1.0.conv1.kernel");
        }
        ImportedWeights iw = WeightImporter.savedModel(export,
                WeightImporter.Target.backbone(cfg, 32, true).withPreprocessing(ImagePreprocessing.unit(32)));
        assertThat(iw.report().layout()).isEqualTo(WeightLayout.GRAFT);
        assertThat(iw.report().complete()).isTrue();
        assertThat(iw.preprocessing().kind()).isEqualTo("unit");
        float[] actual = Fixtures.run(Fixtures.network(cfg, 32, 0), iw.tensors(), images, "features");
        assertThat(expected).hasSize(3 * cfg.featureChannels());
        Fixtures.assertClose(actual, expected, 0, 1e-5, "features");
    }

    @Test
    void graftCheckpointRoundTripsThroughTheGraftLayout() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        HostTensor images = Fixtures.images(2, 32, 3);
        Path ckpt = dir.resolve("ckpt.safetensors");
        float[] expected;
        try (CompiledModel m = Fixtures.ENGINE.compile(Fixtures.network(cfg, 32, 0), 9)) {
            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            m.parameters().forEach((k, v) -> shapes.put(k, v.shape().dims()));
            Map<String, HostTensor> values = new java.util.LinkedHashMap<>();
            TorchReference.randomWeights(shapes, 5).forEach((k, v) -> values.put(k, HostTensor.of(v, shapes.get(k))));
            m.setParameters(values);
            expected = m.predict(Map.of("image", images), "features").floats();
            m.saveCheckpoint(ckpt, Map.of("graft.preprocessing", "unit"));
        }
        ImportedWeights iw = WeightImporter.safetensors(ckpt, WeightImporter.Target.backbone(cfg, 32, true));
        assertThat(iw.report().layout()).isEqualTo(WeightLayout.GRAFT);
        assertThat(iw.preprocessing().kind()).isEqualTo("unit");
        float[] actual = Fixtures.run(Fixtures.network(cfg, 32, 0), iw.tensors(), images, "features");
        Fixtures.assertClose(actual, expected, 0, 1e-6, "features");
    }

    @Test
    void graftNamedWeightsWithoutPreprocessingAreRefusedWithTheFix() throws Exception {
        ResNetConfig cfg = ResNetConfig.torchvision(18).withWidth(2);
        Path ckpt = dir.resolve("plain.safetensors");
        try (CompiledModel m = Fixtures.ENGINE.compile(Fixtures.network(cfg, 32, 0), 1)) {
            m.saveCheckpoint(ckpt, Map.of());
        }
        assertThatThrownBy(() -> WeightImporter.safetensors(ckpt, WeightImporter.Target.backbone(cfg, 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining("preprocessing=caffe|torch|unit");
    }
}
