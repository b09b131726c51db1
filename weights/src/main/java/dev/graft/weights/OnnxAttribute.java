package dev.graft.weights;

import java.util.ArrayList;
import java.util.List;

/**
 * One attribute of an ONNX graph node ({@code AttributeProto}): its name and the scalar or list
 * values it carries ({@code f}, {@code i}, {@code s}, {@code floats}, {@code ints}). Tensor and graph
 * values are skipped (their presence is recorded). Lists hold at most {@link #MAX_VALUES} values.
 *
 * @param name    attribute name, e.g. {@code strides}
 * @param f       the float value (field {@code f}), NaN when absent
 * @param i       the integer value (field {@code i}), 0 when absent
 * @param s       the string value (field {@code s}), null when absent
 * @param floats  the repeated floats
 * @param ints    the repeated integers
 * @param hasI    whether field {@code i} was present
 * @param hasF    whether field {@code f} was present
 * @param tensor  whether a tensor or graph value was present (not read)
 */
public record OnnxAttribute(String name, float f, long i, String s, List<Float> floats, List<Long> ints, boolean hasI,
        boolean hasF, boolean tensor) {
    /** The most values a list attribute may hold (a hostile file cannot make the reader build huge lists). */
    public static final int MAX_VALUES = 4096;

    public OnnxAttribute {
        floats = List.copyOf(floats);
        ints = List.copyOf(ints);
    }

    /** The integer list as an array. */
    public long[] intArray() {
        long[] out = new long[ints.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = ints.get(k);
        }
        return out;
    }

    static OnnxAttribute read(OnnxWire a) throws WeightFileException {
        String name = null;
        float f = Float.NaN;
        long i = 0;
        String s = null;
        List<Float> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        boolean hasI = false;
        boolean hasF = false;
        boolean tensor = false;
        while (a.hasMore()) {
            long tag = a.tag();
            int wire = (int) (tag & 7);
            switch ((int) (tag >>> 3)) {
                case 1 -> {
                    a.expect(tag, OnnxWire.LENGTH_DELIMITED, "AttributeProto.name");
                    name = a.string("attribute name");
                }
                case 2 -> {
                    a.expect(tag, OnnxWire.FIXED32, "AttributeProto.f");
                    f = Float.intBitsToFloat(a.fixed32());
                    hasF = true;
                }
                case 3 -> {
                    a.expect(tag, OnnxWire.VARINT, "AttributeProto.i");
                    i = a.varint();
                    hasI = true;
                }
                case 4 -> {
                    a.expect(tag, OnnxWire.LENGTH_DELIMITED, "AttributeProto.s");
                    s = a.string("attribute string");
                }
                case 5, 6, 10, 11 -> {
                    tensor = true;
                    a.skip(tag);
                }
                case 7 -> {
                    if (wire == OnnxWire.LENGTH_DELIMITED) {
                        int end = a.lengthDelimited("packed floats");
                        if ((end - a.position()) % 4 != 0) {
                            throw a.fail("attribute '" + name + "': packed floats of " + (end - a.position()) + " bytes");
                        }
                        OnnxWire p = a.sub(a.position(), end, name);
                        while (p.hasMore()) {
                            check(a, name, floats.size());
                            floats.add(Float.intBitsToFloat(p.fixed32()));
                        }
                        a.skipTo(end);
                    } else {
                        a.expect(tag, OnnxWire.FIXED32, "AttributeProto.floats");
                        check(a, name, floats.size());
                        floats.add(Float.intBitsToFloat(a.fixed32()));
                    }
                }
                case 8 -> {
                    if (wire == OnnxWire.LENGTH_DELIMITED) {
                        int end = a.lengthDelimited("packed ints");
                        OnnxWire p = a.sub(a.position(), end, name);
                        while (p.hasMore()) {
                            check(a, name, ints.size());
                            ints.add(p.varint());
                        }
                        a.skipTo(end);
                    } else {
                        a.expect(tag, OnnxWire.VARINT, "AttributeProto.ints");
                        check(a, name, ints.size());
                        ints.add(a.varint());
                    }
                }
                default -> a.skip(tag);
            }
        }
        if (name == null || name.isEmpty()) {
            throw a.fail("node attribute without a name");
        }
        return new OnnxAttribute(name, f, i, s, floats, ints, hasI, hasF, tensor);
    }

    private static void check(OnnxWire a, String name, int size) throws WeightFileException {
        if (size >= MAX_VALUES) {
            throw a.fail("attribute '" + name + "' has more than " + MAX_VALUES + " values");
        }
    }
}
