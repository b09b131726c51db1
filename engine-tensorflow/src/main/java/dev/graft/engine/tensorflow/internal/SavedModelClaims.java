package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.EngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Bounds the memory a graph claims before TensorFlow sees it. A Const's declared shape may be far
 * larger than the bytes stored for it (TensorFlow repeats the last stored value), and Fill, the
 * random ops, BroadcastTo, Empty, ScatterNd, Tile and friends allocate whatever a constant shape
 * says. The bytes every Const and every such op fed by a constant (directly or through Identity)
 * claim are summed over the graph and every function, and must stay below
 * {@code min(budget, 64 MiB + 4 x the model's file size)}; the budget is the system property
 * {@value #BUDGET_PROPERTY} (default 4 GiB). Shapes computed at run time are not bounded here.
 */
final class SavedModelClaims {
    static final String BUDGET_PROPERTY = "graft.savedmodel.maxClaimBytes";
    static final long DEFAULT_BUDGET = 4L << 30;
    static final long FLOOR = 64L << 20;
    static final long FILE_FACTOR = 4;
    /** Op type to the index of its shape-like input. */
    private static final Map<String, Integer> SHAPE_INPUT = Map.ofEntries(Map.entry("Fill", 0), Map.entry("Empty", 0),
            Map.entry("RandomUniform", 0), Map.entry("RandomStandardNormal", 0), Map.entry("TruncatedNormal", 0),
            Map.entry("RandomUniformInt", 0), Map.entry("StatelessRandomUniform", 0), Map.entry("StatelessRandomNormal", 0),
            Map.entry("StatelessTruncatedNormal", 0), Map.entry("StatelessRandomUniformInt", 0),
            Map.entry("StatelessRandomUniformV2", 0), Map.entry("StatelessRandomNormalV2", 0),
            Map.entry("StatelessTruncatedNormalV2", 0), Map.entry("ParameterizedTruncatedNormal", 0),
            Map.entry("RandomGamma", 0), Map.entry("RandomPoissonV2", 0), Map.entry("BroadcastTo", 1), Map.entry("ScatterNd", 2),
            Map.entry("Tile", 1), Map.entry("ResizeBilinear", 1), Map.entry("ResizeNearestNeighbor", 1),
            Map.entry("UnsortedSegmentSum", 2), Map.entry("OneHot", 1), Map.entry("Range", -1));

    private SavedModelClaims() {
    }

    static long longProperty(String name, long dflt) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            long l = Long.parseLong(v.trim());
            if (l > 0) {
                return l;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("-D" + name + " must be a positive integer, got '" + v + "'");
    }

    /** Throws an EngineException naming the largest claims if the graph claims more than allowed. */
    static void check(Path dir, GraphDef g, long modelBytes) {
        long budget = longProperty(BUDGET_PROPERTY, DEFAULT_BUDGET);
        long relative = modelBytes > (Long.MAX_VALUE - FLOOR) / FILE_FACTOR ? Long.MAX_VALUE : FLOOR + FILE_FACTOR * modelBytes;
        long limit = Math.min(budget, relative);
        long total = 0;
        String worst = "";
        long worstBytes = -1;
        Scope graph = new Scope(g.getNodeList());
        for (NodeDef n : g.getNodeList()) {
            long c = graph.claim(n);
            total = add(total, c);
            if (c > worstBytes) {
                worstBytes = c;
                worst = "node '" + n.getName() + "' (" + n.getOp() + ")";
            }
        }
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            Scope s = new Scope(f.getNodeDefList());
            for (NodeDef n : f.getNodeDefList()) {
                long c = s.claim(n);
                total = add(total, c);
                if (c > worstBytes) {
                    worstBytes = c;
                    worst = "node '" + n.getName() + "' (" + n.getOp() + ") of function '" + f.getSignature().getName() + "'";
                }
            }
        }
        if (total > limit) {
            throw new EngineException("refusing SavedModel " + dir + ": its constants and shape-taking ops claim "
                    + bytes(total) + " (the largest, " + worst + ", " + bytes(worstBytes) + "), more than the limit of "
                    + bytes(limit) + ": the smaller of the memory budget " + bytes(budget) + " (-D" + BUDGET_PROPERTY
                    + "=BYTES) and 64 MiB + 4 x the model's file size of " + bytes(modelBytes));
        }
    }

    private static String bytes(long b) {
        return b == Long.MAX_VALUE ? "over 2^63 bytes" : String.format("%,d bytes", b);
    }

    static long add(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    static long mul(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The nodes of the graph or of one function body, to resolve constant inputs. */
    private static final class Scope {
        private final Map<String, NodeDef> byName = new HashMap<>();

        Scope(List<NodeDef> nodes) {
            nodes.forEach(n -> byName.put(n.getName(), n));
        }

        long claim(NodeDef n) {
            if (n.getOp().equals("Const")) {
                TensorProto t = n.getAttrOrDefault("value", AttrValue.getDefaultInstance()).getTensor();
                return mul(elements(t.getTensorShape()), size(t.getDtype()));
            }
            Integer shapeInput = SHAPE_INPUT.get(n.getOp());
            if (shapeInput == null) {
                return 0;
            }
            long elems;
            if (n.getOp().equals("Range")) {
                long[] start = constInts(input(n, 0));
                long[] limit = constInts(input(n, 1));
                long[] delta = constInts(input(n, 2));
                if (start == null || limit == null || delta == null || start.length != 1 || limit.length != 1
                        || delta.length != 1 || delta[0] == 0) {
                    return 0;
                }
                double count = Math.ceil(((double) limit[0] - start[0]) / delta[0]);
                elems = count <= 0 ? 0 : count >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) count;
            } else {
                long[] dims = constInts(input(n, shapeInput));
                if (dims == null) {
                    return 0;
                }
                elems = 1;
                for (long d : dims) {
                    elems = mul(elems, Math.max(0, d));
                }
                if (n.getOp().equals("Tile")) {
                    NodeDef in = input(n, 0);
                    if (in != null && in.getOp().equals("Const")) {
                        elems = mul(elems, elements(in.getAttrOrDefault("value", AttrValue.getDefaultInstance()).getTensor()
                                .getTensorShape()));
                    }
                }
            }
            DataType t = DataType.DT_FLOAT;
            for (String attr : List.of("dtype", "T", "Tout", "Tidx")) {
                if (n.containsAttr(attr) && n.getAttrOrThrow(attr).getType() != DataType.DT_INVALID) {
                    t = n.getAttrOrThrow(attr).getType();
                    break;
                }
            }
            return mul(elems, size(t));
        }

        /** The node feeding input {@code i}, through Identity nodes; null if unknown. */
        private NodeDef input(NodeDef n, int i) {
            for (int hops = 0; hops < 64 && n != null; hops++) {
                if (i >= n.getInputCount() || n.getInput(i).startsWith("^")) {
                    return null;
                }
                NodeDef in = byName.get(SavedModelScreen.nodeName(n.getInput(i)));
                if (in == null || !in.getOp().equals("Identity")) {
                    return in;
                }
                n = in;
                i = 0;
            }
            return null;
        }
    }

    /** The values of a small integer Const, or null. */
    private static long[] constInts(NodeDef n) {
        if (n == null || !n.getOp().equals("Const")) {
            return null;
        }
        TensorProto t = n.getAttrOrDefault("value", AttrValue.getDefaultInstance()).getTensor();
        long count = elements(t.getTensorShape());
        if (count > 64 || (t.getDtype() != DataType.DT_INT32 && t.getDtype() != DataType.DT_INT64)) {
            return null;
        }
        long[] v = new long[(int) count];
        boolean wide = t.getDtype() == DataType.DT_INT64;
        if (!t.getTensorContent().isEmpty()) {
            ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length && b.remaining() >= (wide ? 8 : 4); i++) {
                v[i] = wide ? b.getLong() : b.getInt();
            }
            return v;
        }
        List<? extends Number> vals = wide ? t.getInt64ValList() : t.getIntValList();
        for (int i = 0; i < v.length && !vals.isEmpty(); i++) {
            v[i] = vals.get(Math.min(i, vals.size() - 1)).longValue();
        }
        return v;
    }

    /** The element count a shape declares (unknown or negative sizes count as 0). */
    static long elements(TensorShapeProto s) {
        long n = 1;
        for (TensorShapeProto.Dim d : s.getDimList()) {
            n = mul(n, Math.max(0, d.getSize()));
        }
        return s.getUnknownRank() ? 0 : n;
    }

    /** Bytes per element as TensorFlow holds them (strings and handles at a conservative 32). */
    static long size(DataType t) {
        return switch (t) {
            case DT_BOOL, DT_INT8, DT_UINT8, DT_QINT8, DT_QUINT8 -> 1;
            case DT_HALF, DT_BFLOAT16, DT_INT16, DT_UINT16, DT_QINT16, DT_QUINT16 -> 2;
            case DT_FLOAT, DT_INT32, DT_UINT32, DT_QINT32 -> 4;
            case DT_DOUBLE, DT_INT64, DT_UINT64, DT_COMPLEX64 -> 8;
            case DT_COMPLEX128 -> 16;
            default -> 32;
        };
    }
}
