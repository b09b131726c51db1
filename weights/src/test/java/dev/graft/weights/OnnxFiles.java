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
