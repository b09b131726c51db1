package dev.graft.weights;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One ONNX graph initializer ({@code TensorProto}): its name, data type and dims, and where its
 * values sit in the file. Values are copied out only by {@link OnnxModel#tensor}.
 */
public final class OnnxInitializer {
    private static final int MAX_RANK = 32;

    private final String name;
    private final int dataType;
    private final long[] dims;
    private final int rawStart;
    private final int rawEnd;
    /** Repeated typed-data chunks: {tag, start, end}. */
    private final List<int[]> typed;
    private final boolean external;
    private final boolean segmented;

    private OnnxInitializer(String name, int dataType, long[] dims, int rawStart, int rawEnd, List<int[]> typed,
            boolean external, boolean segmented) {
        this.name = name;
        this.dataType = dataType;
        this.dims = dims;
        this.rawStart = rawStart;
        this.rawEnd = rawEnd;
        this.typed = typed;
        this.external = external;
        this.segmented = segmented;
    }

    public String name() {
        return name;
    }

    /** The ONNX {@code TensorProto.DataType} code (1 FLOAT, 6 INT32, 7 INT64, ...). */
    public int dataType() {
        return dataType;
    }

    public long[] dims() {
        return dims.clone();
    }

    @Override
    public String toString() {
        return name + " type " + dataType + " " + Arrays.toString(dims);
    }

    static OnnxInitializer read(OnnxWire t) throws WeightFileException {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = null;
        int rawStart = -1;
        int rawEnd = -1;
        List<int[]> typed = new ArrayList<>();
        boolean external = false;
        boolean segmented = false;
        while (t.hasMore()) {
            long tag = t.tag();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (field) {
                case 1 -> {
                    if (wire == OnnxWire.LENGTH_DELIMITED) {
                        int end = t.lengthDelimited("packed dims");
                        OnnxWire p = t.sub(t.position(), end, name);
                        while (p.hasMore()) {
                            dims.add(p.varint());
                            checkRank(t, dims);
                        }
                        t.skipTo(end);
                    } else {
                        t.expect(tag, OnnxWire.VARINT, "TensorProto.dims");
                        dims.add(t.varint());
                        checkRank(t, dims);
                    }
                }
                case 2 -> {
                    t.expect(tag, OnnxWire.VARINT, "TensorProto.data_type");
                    type = t.smallVarint("data_type");
                }
                case 3 -> {
                    segmented = true;
                    t.skip(tag);
                }
                case 4, 5, 7 -> {
                    int start = t.position();
                    if (wire == OnnxWire.LENGTH_DELIMITED) {
                        int end = t.lengthDelimited("typed data");
                        typed.add(new int[] {(int) tag, t.position(), end});
                        t.skipTo(end);
                    } else {
                        t.skip(tag);
                        typed.add(new int[] {(int) tag, start, t.position()});
                    }
                }
                case 8 -> {
                    t.expect(tag, OnnxWire.LENGTH_DELIMITED, "TensorProto.name");
                    name = t.string("tensor name");
                }
                case 9 -> {
                    t.expect(tag, OnnxWire.LENGTH_DELIMITED, "TensorProto.raw_data");
                    rawEnd = t.lengthDelimited("raw_data");
                    rawStart = t.position();
                    t.skipTo(rawEnd);
                }
                case 13 -> {
                    external = true;
                    t.skip(tag);
                }
                case 14 -> {
                    t.expect(tag, OnnxWire.VARINT, "TensorProto.data_location");
                    external |= t.varint() == 1;
                }
                default -> t.skip(tag);
            }
        }
        if (name == null || name.isEmpty()) {
            throw t.fail("initializer without a name");
        }
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i);
        }
        return new OnnxInitializer(name, type, d, rawStart, rawEnd, typed, external, segmented);
    }

    private static void checkRank(OnnxWire t, List<Long> dims) throws WeightFileException {
        if (dims.size() > MAX_RANK) {
            throw t.fail("tensor has more than " + MAX_RANK + " dims");
        }
    }

    /** The number of elements, with every dim checked. */
    long elements(Path file) throws WeightFileException {
        long n = 1;
        for (long x : dims) {
            if (x < 0) {
                throw new WeightFileException(file, name, "negative dim " + x + " in " + Arrays.toString(dims));
            }
            try {
                n = Math.multiplyExact(n, x);
            } catch (ArithmeticException e) {
                throw new WeightFileException(file, name, "dims " + Arrays.toString(dims) + " overflow 64 bits");
            }
        }
        if (n > (Integer.MAX_VALUE - 8) / 8) {
            throw new WeightFileException(file, name, n + " elements is too many for one tensor");
        }
        return n;
    }

    HostTensor toHostTensor(ByteBuffer bytes, Path file) throws WeightFileException {
        if (external) {
            throw new WeightFileException(file, name, "values are stored in an external data file, which Graft does not read");
        }
        if (segmented) {
            throw new WeightFileException(file, name, "segmented tensors are not supported");
        }
        int n = (int) elements(file);
        Shape shape = Shape.of(dims);
        boolean raw = rawStart >= 0;
        if (raw && !typed.isEmpty()) {
            throw new WeightFileException(file, name, "has both raw_data and typed data");
        }
        if (!raw && typed.isEmpty() && n > 0) {
            throw new WeightFileException(file, name, "has no data for its " + n + " elements");
        }
        return switch (dataType) {
            case OnnxModel.FLOAT -> raw ? copyRaw(bytes, file, n, 4, DType.FLOAT32, shape) : typedFloats(bytes, file, n, shape);
            case OnnxModel.INT32 -> raw ? copyRaw(bytes, file, n, 4, DType.INT32, shape) : typedInts(bytes, file, n, shape, 5);
            case OnnxModel.INT64 -> raw ? narrowRaw(bytes, file, n, shape) : typedInts(bytes, file, n, shape, 7);
            default -> throw new WeightFileException(file, name, "data type " + dataType
                    + " is not supported (FLOAT = 1, INT32 = 6 and INT64 = 7 are)");
        };
    }

    private void checkRawLength(Path file, long n, int width) throws WeightFileException {
        long have = (long) rawEnd - rawStart;
        if (have != n * width) {
            throw new WeightFileException(file, name, "raw_data holds " + have + " bytes but dims " + Arrays.toString(dims)
                    + " need " + n * width);
        }
    }

    private HostTensor copyRaw(ByteBuffer bytes, Path file, int n, int width, DType dtype, Shape shape)
            throws WeightFileException {
        checkRawLength(file, n, width);
        ByteBuffer out = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer src = bytes.duplicate();
        src.limit(rawEnd).position(rawStart);
        out.put(src).flip();
        return HostTensor.wrap(dtype, shape, out);
    }

    private HostTensor narrowRaw(ByteBuffer bytes, Path file, int n, Shape shape) throws WeightFileException {
        checkRawLength(file, n, 8);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = narrow(file, bytes.getLong(rawStart + 8 * i));
        }
        return HostTensor.ofInts(v, shape.dims());
    }

    private int narrow(Path file, long x) throws WeightFileException {
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw new WeightFileException(file, name, "INT64 value " + x + " does not fit 32 bits");
        }
        return (int) x;
    }

    /** Bytes of typed data in the file: an upper bound on the values it can hold, checked before allocating. */
    private long typedBytes() {
        long total = 0;
        for (int[] chunk : typed) {
            total += chunk[2] - chunk[1];
        }
        return total;
    }

    private HostTensor typedFloats(ByteBuffer bytes, Path file, int n, Shape shape) throws WeightFileException {
        if (typedBytes() < 4L * n) {
            throw new WeightFileException(file, name, "float_data holds at most " + typedBytes() / 4 + " values but dims "
                    + Arrays.toString(dims) + " need " + n);
        }
        float[] v = new float[n];
        int at = 0;
        for (int[] chunk : typed) {
            if (chunk[0] >>> 3 != 4) {
                throw new WeightFileException(file, name, "FLOAT tensor carries field " + (chunk[0] >>> 3) + " data");
            }
            int len = chunk[2] - chunk[1];
            boolean packed = (chunk[0] & 7) == OnnxWire.LENGTH_DELIMITED;
            int start = chunk[1];
            int count = packed ? len / 4 : 1;
            if ((packed && len % 4 != 0) || (!packed && (chunk[0] & 7) != OnnxWire.FIXED32)) {
                throw new WeightFileException(file, name, "malformed float_data");
            }
            if (count > n - at) {
                throw new WeightFileException(file, name, "float_data holds more than the " + n + " elements of its dims");
            }
            for (int i = 0; i < count; i++) {
                v[at++] = bytes.getFloat(start + 4 * i);
            }
        }
        if (at != n) {
            throw new WeightFileException(file, name, "float_data holds " + at + " values but dims " + Arrays.toString(dims)
                    + " need " + n);
        }
        return HostTensor.of(v, shape.dims());
    }

    private HostTensor typedInts(ByteBuffer bytes, Path file, int n, Shape shape, int field) throws WeightFileException {
        if (typedBytes() < n) {
            throw new WeightFileException(file, name, "integer data holds at most " + typedBytes() + " values but dims "
                    + Arrays.toString(dims) + " need " + n);
        }
        int[] v = new int[n];
        int at = 0;
        for (int[] chunk : typed) {
            if (chunk[0] >>> 3 != field) {
                throw new WeightFileException(file, name, "integer tensor carries field " + (chunk[0] >>> 3) + " data");
            }
            boolean packed = (chunk[0] & 7) == OnnxWire.LENGTH_DELIMITED;
            if (!packed && (chunk[0] & 7) != OnnxWire.VARINT) {
                throw new WeightFileException(file, name, "malformed integer data");
            }
            OnnxWire w = new OnnxWire(bytes, chunk[1], chunk[2], file, name);
            while (w.hasMore()) {
                if (at == n) {
                    throw new WeightFileException(file, name, "integer data holds more than the " + n + " elements of its dims");
                }
                v[at++] = narrow(file, w.varint());
            }
        }
        if (at != n) {
            throw new WeightFileException(file, name, "integer data holds " + at + " values but dims need " + n);
        }
        return HostTensor.ofInts(v, shape.dims());
    }
}
