package dev.graft.weights;

import static dev.graft.weights.OnnxFiles.Msg;
import static dev.graft.weights.OnnxFiles.floatsLe;
import static dev.graft.weights.OnnxFiles.node;
import static dev.graft.weights.OnnxFiles.rawTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    private static byte[] modelWith(Msg... initializers) {
        Msg g = new Msg();
        for (Msg t : initializers) {
            g.msg(5, t);
        }
        return new Msg().varint(1, 8).msg(7, g).toBytes();
    }

    @Test
    void readsInitializersNodesAndNamesKernelsByTheirBias() throws Exception {
        OnnxModel m = OnnxModel.read(write("dense.onnx", OnnxFiles.denseLayer()));
        assertThat(m.initializers()).containsOnlyKeys("layer.0.dense.bias", "onnx::MatMul_9", "embeddings.position_ids",
                "norm.weight");
        assertThat(m.initializers().get("onnx::MatMul_9").dims()).containsExactly(3, 4);
        assertThat(m.nodes()).extracting(OnnxModel.OnnxNode::opType).containsExactly("MatMul", "Add", "Erf");
        HostTensor k = m.tensor("onnx::MatMul_9");
        assertThat(k.shape().dims()).containsExactly(3, 4);
        assertThat(k.floats()[0]).isEqualTo(-1f);
        assertThat(k.floats()[11]).isEqualTo(1.75f);
        HostTensor ids = m.tensor("embeddings.position_ids");
        assertThat(ids.dtype()).isEqualTo(DType.INT32);
        assertThat(ids.ints()).containsExactly(0, 1, 2, 3, 4);
        assertThat(m.tensor("norm.weight").floats()).containsExactly(1.5f, -2f);
        assertThat(m.floatTensors()).containsOnlyKeys("layer.0.dense.bias", "onnx::MatMul_9", "norm.weight");
        assertThat(m.matMulKernels()).containsExactly(new OnnxModel.KernelBinding("onnx::MatMul_9", "layer.0.dense.bias",
                "/layer.0/dense/MatMul", "/layer.0/dense/Add"));
    }

    @Test
    void leavesKernelsUnnamedWhenTheGraphIsAmbiguous() throws Exception {
        Msg g = new Msg()
                .msg(1, node("a", "MatMul", new String[] {"x", "k"}, "p"))
                .msg(1, node("b", "MatMul", new String[] {"x2", "k"}, "q"))
                .msg(1, node("c", "Add", new String[] {"p", "bias"}, "r"))
                .msg(1, node("d", "Add", new String[] {"q", "bias"}, "s"))
                .msg(1, node("e", "MatMul", new String[] {"x", "k2"}, "t"))
                .msg(1, node("f", "Add", new String[] {"t", "bias"}, "u"))
                .msg(1, node("g", "Relu", new String[] {"t"}, "v"))
                .msg(5, rawTensor("k", OnnxModel.FLOAT, new byte[16], 2, 2))
                .msg(5, rawTensor("k2", OnnxModel.FLOAT, new byte[16], 2, 2))
                .msg(5, rawTensor("bias", OnnxModel.FLOAT, new byte[8], 2));
        OnnxModel m = OnnxModel.read(write("shared.onnx", new Msg().msg(7, g).toBytes()));
        // k feeds two MatMuls; k2's product feeds an Add and a Relu
        assertThat(m.matMulKernels()).isEmpty();
    }

    @Test
    void refusesRawDataOfTheWrongLengthNamingFileAndTensor() throws Exception {
        Path p = write("short.onnx", modelWith(rawTensor("encoder.w", OnnxModel.FLOAT, floatsLe(1, 2, 3), 2, 2)));
        OnnxModel m = OnnxModel.read(p);
        assertThatThrownBy(() -> m.tensor("encoder.w")).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("'encoder.w'")
                .hasMessageContaining("raw_data holds 12 bytes but dims [2, 2] need 16");
    }

    @Test
    void refusesNegativeAndOverflowingDims() throws Exception {
        Path neg = write("neg.onnx", modelWith(rawTensor("w", OnnxModel.FLOAT, new byte[0], 4, -1)));
        assertThatThrownBy(() -> OnnxModel.read(neg).floatTensors()).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("negative dim -1");
        Path big = write("big.onnx", modelWith(rawTensor("w", OnnxModel.FLOAT, new byte[4], 1L << 40, 1L << 40)));
        assertThatThrownBy(() -> OnnxModel.read(big).floatTensors()).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("overflow 64 bits");
        Path huge = write("huge.onnx", modelWith(new Msg().varint(1, 1L << 30).varint(2, OnnxModel.FLOAT).string(8, "w")
                .bytes(4, floatsLe(1))));
        assertThatThrownBy(() -> OnnxModel.read(huge).floatTensors()).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("'w'");
    }

    @Test
    void refusesLengthsPastTheEndOfTheirMessage() throws Exception {
        byte[] ok = OnnxFiles.denseLayer();
        for (int cut : new int[] {1, 2, 10, ok.length / 2, ok.length - 1}) {
            Path p = write("cut" + cut + ".onnx", Arrays.copyOf(ok, cut));
            assertThatThrownBy(() -> OnnxModel.read(p)).isInstanceOf(WeightFileException.class)
                    .hasMessageContaining(p.toString());
        }
        // a graph whose declared length is 2^62
        byte[] lie = {(byte) 0x3a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x40, 0};
        Path p = write("lie.onnx", lie);
        assertThatThrownBy(() -> OnnxModel.read(p)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("runs past the end of its message");
    }

    @Test
    void refusesOverlongVarintsUnknownWireTypesAndBadUtf8() throws Exception {
        byte[] longVarint = new byte[12];
        Arrays.fill(longVarint, (byte) 0xff);
        longVarint[0] = 0x08;
        assertThatThrownBy(() -> OnnxModel.read(write("varint.onnx", longVarint))).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("varint");
        assertThatThrownBy(() -> OnnxModel.read(write("group.onnx", new byte[] {0x0b, 0x0c})))
                .isInstanceOf(WeightFileException.class).hasMessageContaining("wire type 3");
        Msg badName = new Msg().varint(2, 1).bytes(8, new byte[] {(byte) 0xc3, 0x28});
        assertThatThrownBy(() -> OnnxModel.read(write("utf8.onnx", modelWith(badName)))).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void refusesFilesWithoutAGraphExternalDataAndUnsupportedTypes() throws Exception {
        assertThatThrownBy(() -> OnnxModel.read(write("empty.onnx", new byte[0]))).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("no graph");
        assertThatThrownBy(() -> OnnxModel.read(write("text.onnx", "not a model at all\n".getBytes())))
                .isInstanceOf(WeightFileException.class);
        Path ext = write("ext.onnx", modelWith(new Msg().varint(1, 2).varint(2, OnnxModel.FLOAT).string(8, "w").varint(14, 1)));
        assertThatThrownBy(() -> OnnxModel.read(ext).tensor("w")).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("external data file");
        Path half = write("fp16.onnx", modelWith(rawTensor("h", 10, new byte[4], 2)));
        assertThatThrownBy(() -> OnnxModel.read(half).tensor("h")).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("data type 10 is not supported");
        assertThat(OnnxModel.read(half).floatTensors()).isEmpty();
        Path both = write("both.onnx", modelWith(rawTensor("w", OnnxModel.FLOAT, floatsLe(1), 1).bytes(4, floatsLe(1))));
        assertThatThrownBy(() -> OnnxModel.read(both).tensor("w")).hasMessageContaining("both raw_data and typed data");
        Path twice = write("twice.onnx", modelWith(rawTensor("w", OnnxModel.FLOAT, floatsLe(1), 1),
                rawTensor("w", OnnxModel.FLOAT, floatsLe(2), 1)));
        assertThatThrownBy(() -> OnnxModel.read(twice)).hasMessageContaining("defined twice");
        Path bigInt = write("int64.onnx", modelWith(rawTensor("ids", OnnxModel.INT64, OnnxFiles.longsLe(1L << 40), 1)));
        assertThatThrownBy(() -> OnnxModel.read(bigInt).tensor("ids")).hasMessageContaining("does not fit 32 bits");
    }

    @Test
    void readsNodeAttributesAndFollowsValuesThroughTheGraph() throws Exception {
        OnnxModel m = OnnxModel.read(write("conv.onnx", OnnxFiles.convNet()));
        OnnxModel.OnnxNode conv = m.nodes().get(0);
        assertThat(conv.opType()).isEqualTo("Conv");
        assertThat(conv.intsAttribute("strides")).containsExactly(2, 2);
        assertThat(conv.intsAttribute("pads")).containsExactly(1, 1, 1, 1);
        assertThat(conv.intAttribute("group", 7)).isEqualTo(1);
        assertThat(conv.intsAttribute("nosuch", 1, 1)).containsExactly(1, 1);
        OnnxModel.OnnxNode bn = m.consumers(conv.outputs().get(0)).get(0);
        assertThat(bn.opType()).isEqualTo("BatchNormalization");
        assertThat(bn.floatAttribute("epsilon", 0)).isEqualTo(1e-5f);
        assertThat(bn.floatAttribute("nosuch", 3)).isEqualTo(3f);
        assertThat(m.producer(bn.outputs().get(0))).isEqualTo(bn);
        assertThat(m.producer("input")).isNull();
        OnnxModel.OnnxNode gemm = m.nodes().get(m.nodes().size() - 1);
        assertThat(gemm.intAttribute("transB", 0)).isEqualTo(1);
        assertThat(gemm.input(2)).isEqualTo("fc.bias");
        assertThat(gemm.input(3)).isNull();
        assertThat(m.initializerBehind("onnx::Conv_7")).isEqualTo("onnx::Conv_7");
        assertThat(m.initializerBehind("/relu/Relu_output_0")).isNull();
        assertThat(m.tensor("onnx::Conv_7").shape().dims()).containsExactly(2, 2, 1, 1);
    }

    @Test
    void followsIdentityNodesToTheInitializerBehindThem() throws Exception {
        Msg g = new Msg()
                .msg(1, node("id1", "Identity", new String[] {"w"}, "w1"))
                .msg(1, node("id2", "Identity", new String[] {"w1"}, "w2"))
                .msg(1, node("loop", "Identity", new String[] {"l2"}, "l1"))
                .msg(1, node("loop2", "Identity", new String[] {"l1"}, "l2"))
                .msg(5, rawTensor("w", OnnxModel.FLOAT, floatsLe(1), 1));
        OnnxModel m = OnnxModel.read(write("identity.onnx", new Msg().msg(7, g).toBytes()));
        assertThat(m.initializerBehind("w2")).isEqualTo("w");
        assertThat(m.initializerBehind("l1")).isNull();
    }

    @Test
    void refusesHostileAttributesNamingTheNode() throws Exception {
        Msg longList = new Msg().string(1, "pads");
        for (int i = 0; i <= OnnxAttribute.MAX_VALUES; i++) {
            longList.varint(8, 1);
        }
        byte[] tooLong = new Msg().msg(7, new Msg().msg(1, node("/conv1/Conv", "Conv", new String[] {"x", "w"}, "y")
                .msg(5, longList))).toBytes();
        assertThatThrownBy(() -> OnnxModel.read(write("pads.onnx", tooLong))).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("pads.onnx").hasMessageContaining("'pads' has more than 4096 values");
        byte[] twice = new Msg().msg(7, new Msg().msg(1, node("/c", "Conv", new String[] {"x"}, "y")
                .msg(5, OnnxFiles.intAttr("group", 1)).msg(5, OnnxFiles.intAttr("group", 2)))).toBytes();
        assertThatThrownBy(() -> OnnxModel.read(write("twice-attr.onnx", twice))).hasMessageContaining("'group' given twice");
        byte[] unnamed = new Msg().msg(7, new Msg().msg(1, node("/c", "Conv", new String[] {"x"}, "y")
                .msg(5, new Msg().varint(3, 1)))).toBytes();
        assertThatThrownBy(() -> OnnxModel.read(write("unnamed.onnx", unnamed))).hasMessageContaining("attribute without a name");
        byte[] badFloats = new Msg().msg(7, new Msg().msg(1, node("/c", "Conv", new String[] {"x"}, "y")
                .msg(5, new Msg().string(1, "scales").bytes(7, new byte[5])))).toBytes();
        assertThatThrownBy(() -> OnnxModel.read(write("floats.onnx", badFloats))).hasMessageContaining("packed floats of 5 bytes");
    }
}
