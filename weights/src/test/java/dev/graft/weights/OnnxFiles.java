package dev.graft.weights;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes ONNX files field by field (protocol-buffer wire format) the way PyTorch's exporter lays
 * them out, for tests: an independent writer, so the reader is not checked against itself.
 */
final class OnnxFiles {
    private OnnxFiles() {
    }

    /** One protocol-buffer message being written. */
    static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        Msg bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Msg string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Msg msg(int field, Msg m) {
            return bytes(field, m.toBytes());
        }

        Msg fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }

        Msg packedVarints(int field, long... vs) {
            Msg p = new Msg();
            for (long v : vs) {
                p.raw(v);
            }
            return bytes(field, p.toBytes());
        }

        private void tag(int field, int wire) {
            raw((long) field << 3 | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static byte[] floatsLe(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] longsLe(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    /** A TensorProto with raw_data; dims written unpacked, as PyTorch's exporter does. */
    static Msg rawTensor(String name, int type, byte[] raw, long... dims) {
        Msg t = new Msg();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, type).string(8, name).bytes(9, raw);
    }

    static Msg node(String name, String op, String[] in, String... out) {
        Msg n = new Msg();
        for (String i : in) {
            n.string(1, i);
        }
        for (String o : out) {
            n.string(2, o);
        }
        return n.string(3, name).string(4, op);
    }

    /** An AttributeProto with integer list values (type INTS = 7), as exporters write {@code strides}, {@code pads}. */
    static Msg intsAttr(String name, long... v) {
        Msg a = new Msg().string(1, name);
        for (long x : v) {
            a.varint(8, x);
        }
        return a.varint(20, 7);
    }

    /** An AttributeProto with one integer (type INT = 2). */
    static Msg intAttr(String name, long v) {
        return new Msg().string(1, name).varint(3, v).varint(20, 2);
    }

    /** An AttributeProto with one float (type FLOAT = 1). */
    static Msg floatAttr(String name, float v) {
        return new Msg().string(1, name).fixed32(2, Float.floatToIntBits(v)).varint(20, 1);
    }

    /**
     * A tiny convolutional network as torchvision's exporter writes it: Conv with a named weight
     * ({@code conv1.weight}, OIHW) and attributes, BatchNormalization with its four tensors and
     * epsilon, Relu, GlobalAveragePool, Flatten, Gemm (transB = 1) on {@code fc.weight} [out, in],
     * and a folded Conv whose weight and bias are anonymous ({@code onnx::Conv_7}).
     */
    static byte[] convNet() {
        float[] k = new float[2 * 3 * 3 * 3];
        for (int i = 0; i < k.length; i++) {
            k[i] = i * 0.01f - 0.2f;
        }
        Msg conv = node("/conv1/Conv", "Conv", new String[] {"input", "conv1.weight"}, "/conv1/Conv_output_0")
                .msg(5, intsAttr("dilations", 1, 1)).msg(5, intAttr("group", 1)).msg(5, intsAttr("kernel_shape", 3, 3))
                .msg(5, intsAttr("pads", 1, 1, 1, 1)).msg(5, intsAttr("strides", 2, 2));
        Msg bn = node("/bn1/BatchNormalization", "BatchNormalization", new String[] {"/conv1/Conv_output_0", "bn1.weight",
                "bn1.bias", "bn1.running_mean", "bn1.running_var"}, "/bn1/BatchNormalization_output_0")
                .msg(5, floatAttr("epsilon", 1e-5f)).msg(5, floatAttr("momentum", 0.9f));
        Msg folded = node("/layer1/layer1.0/conv1/Conv", "Conv", new String[] {"/relu/Relu_output_0", "onnx::Conv_7",
                "onnx::Conv_8"}, "/layer1/layer1.0/conv1/Conv_output_0")
                .msg(5, intsAttr("kernel_shape", 1, 1)).msg(5, intsAttr("strides", 1, 1));
        Msg graph = new Msg()
                .msg(1, conv)
                .msg(1, bn)
                .msg(1, node("/relu/Relu", "Relu", new String[] {"/bn1/BatchNormalization_output_0"}, "/relu/Relu_output_0"))
                .msg(1, folded)
                .msg(1, node("/avgpool/GlobalAveragePool", "GlobalAveragePool", new String[] {
                        "/layer1/layer1.0/conv1/Conv_output_0"}, "/avgpool/GlobalAveragePool_output_0"))
                .msg(1, node("/Flatten", "Flatten", new String[] {"/avgpool/GlobalAveragePool_output_0"}, "/Flatten_output_0")
                        .msg(5, intAttr("axis", 1)))
                .msg(1, node("/fc/Gemm", "Gemm", new String[] {"/Flatten_output_0", "fc.weight", "fc.bias"}, "output")
                        .msg(5, floatAttr("alpha", 1)).msg(5, floatAttr("beta", 1)).msg(5, intAttr("transB", 1)))
                .string(2, "main_graph")
                .msg(5, rawTensor("conv1.weight", OnnxModel.FLOAT, floatsLe(k), 2, 3, 3, 3))
                .msg(5, rawTensor("bn1.weight", OnnxModel.FLOAT, floatsLe(1, 2), 2))
                .msg(5, rawTensor("bn1.bias", OnnxModel.FLOAT, floatsLe(0.5f, -0.5f), 2))
                .msg(5, rawTensor("bn1.running_mean", OnnxModel.FLOAT, floatsLe(0.1f, 0.2f), 2))
                .msg(5, rawTensor("bn1.running_var", OnnxModel.FLOAT, floatsLe(1.5f, 0.5f), 2))
                .msg(5, rawTensor("onnx::Conv_7", OnnxModel.FLOAT, floatsLe(1, 2, 3, 4), 2, 2, 1, 1))
                .msg(5, rawTensor("onnx::Conv_8", OnnxModel.FLOAT, floatsLe(0.25f, 0.75f), 2))
                .msg(5, rawTensor("fc.weight", OnnxModel.FLOAT, floatsLe(1, -1, 2, -2, 3, -3), 3, 2))
                .msg(5, rawTensor("fc.bias", OnnxModel.FLOAT, floatsLe(0, 1, 2), 3))
                .msg(11, new Msg().string(1, "input"))
                .msg(12, new Msg().string(1, "output"));
        return new Msg().varint(1, 8).string(2, "pytorch").string(3, "2.1.0")
                .msg(8, new Msg().string(1, "").varint(2, 17))
                .msg(7, graph).toBytes();
    }

    /** A small BERT-like dense layer as PyTorch exports it: y = MatMul(x, onnx::MatMul_9) + bias, then Gelu-ish nodes. */
    static byte[] denseLayer() {
        float[] kernel = new float[12];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = i * 0.25f - 1;
        }
        Msg graph = new Msg()
                .msg(1, node("/layer.0/dense/MatMul", "MatMul", new String[] {"x", "onnx::MatMul_9"}, "/layer.0/dense/MatMul_output_0"))
                .msg(1, node("/layer.0/dense/Add", "Add", new String[] {"layer.0.dense.bias", "/layer.0/dense/MatMul_output_0"},
                        "/layer.0/dense/Add_output_0"))
                .msg(1, node("/layer.0/act/Erf", "Erf", new String[] {"/layer.0/dense/Add_output_0"}, "y"))
                .string(2, "main_graph")
                .msg(5, rawTensor("layer.0.dense.bias", OnnxModel.FLOAT, floatsLe(0.5f, -0.5f, 1, 2), 4))
                .msg(5, rawTensor("onnx::MatMul_9", OnnxModel.FLOAT, floatsLe(kernel), 3, 4))
                .msg(5, rawTensor("embeddings.position_ids", OnnxModel.INT64, longsLe(0, 1, 2, 3, 4), 1, 5))
                .msg(5, new Msg().packedVarints(1, 2).varint(2, OnnxModel.FLOAT).string(8, "norm.weight")
                        .bytes(4, floatsLe(1.5f, -2)))
                .msg(11, new Msg().string(1, "x"))
                .msg(12, new Msg().string(1, "y"));
        return new Msg().varint(1, 8).string(2, "pytorch").string(3, "2.1.0")
                .msg(8, new Msg().string(1, "").varint(2, 11))
                .msg(7, graph).toBytes();
    }
}
