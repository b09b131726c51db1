package dev.graft.engine.spi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * A dense tensor in Java memory: the engine-neutral way data and weights move in and out of an
 * engine. The bytes are little-endian, row-major; engines copy them in bulk, never element by
 * element. Instances are immutable: the buffer handed out is a read-only view.
 */
public final class HostTensor {
    private final DType dtype;
    private final Shape shape;
    private final ByteBuffer data;

    private HostTensor(DType dtype, Shape shape, ByteBuffer data) {
        if (!shape.isFullyKnown()) {
            throw new IllegalArgumentException("host tensor shape must be fully known, got " + shape);
        }
        long expected = shape.size() * dtype.byteSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of " + dtype + shape + " needs " + expected
                    + " bytes, got " + data.remaining());
        }
        this.dtype = dtype;
        this.shape = shape;
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Wraps little-endian bytes (no copy; the caller must not change them afterwards). */
    public static HostTensor wrap(DType dtype, Shape shape, ByteBuffer littleEndianBytes) {
        return new HostTensor(dtype, shape, littleEndianBytes);
    }

    public static HostTensor of(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.FLOAT32, Shape.of(shape), b);
    }

    public static HostTensor ofInts(int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new HostTensor(DType.INT32, Shape.of(shape), b);
    }

    public static HostTensor scalar(float value) {
        return of(new float[] {value});
    }

    public static HostTensor zeros(DType dtype, Shape shape) {
        return new HostTensor(dtype, shape,
                ByteBuffer.allocate(Math.toIntExact(shape.size() * dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN));
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public long size() {
        return shape.size();
    }

    public long byteSize() {
        return data.remaining();
    }

    /** A read-only little-endian view of the bytes, positioned at 0. */
    public ByteBuffer buffer() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public FloatBuffer floatBuffer() {
        requireType(DType.FLOAT32);
        return buffer().asFloatBuffer();
    }

    public IntBuffer intBuffer() {
        requireType(DType.INT32);
        return buffer().asIntBuffer();
    }

    public float[] floats() {
        float[] out = new float[Math.toIntExact(size())];
        floatBuffer().get(out);
        return out;
    }

    public int[] ints() {
        int[] out = new int[Math.toIntExact(size())];
        intBuffer().get(out);
        return out;
    }

    public float getFloat(long index) {
        requireType(DType.FLOAT32);
        return data.getFloat(Math.toIntExact(index * 4));
    }

    public int getInt(long index) {
        requireType(DType.INT32);
        return data.getInt(Math.toIntExact(index * 4));
    }

    /** A new tensor with the same bytes and another shape of the same size. */
    public HostTensor reshape(long... newShape) {
        return new HostTensor(dtype, Shape.of(newShape), buffer());
    }

    /** Rows {@code [from, to)} along the first dimension, as a copy. */
    public HostTensor rows(long from, long to) {
        long rowElems = shape.rank() == 0 ? 1 : shape.size() / Math.max(1, shape.dim(0));
        long rowBytes = rowElems * dtype.byteSize();
        ByteBuffer src = buffer();
        src.position(Math.toIntExact(from * rowBytes)).limit(Math.toIntExact(to * rowBytes));
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src).flip();
        return new HostTensor(dtype, shape.with(0, to - from), copy);
    }

    /** Whether both tensors have the same type, shape and bytes. */
    public boolean bitEquals(HostTensor other) {
        return dtype == other.dtype && shape.equals(other.shape) && buffer().equals(other.buffer());
    }

    private void requireType(DType t) {
        if (dtype != t) {
            throw new IllegalStateException("tensor is " + dtype + ", not " + t);
        }
    }

    @Override
    public String toString() {
        String head;
        if (dtype == DType.FLOAT32) {
            float[] f = new float[(int) Math.min(8, size())];
            floatBuffer().get(f);
            head = Arrays.toString(f);
        } else {
            int[] v = new int[(int) Math.min(8, size())];
            intBuffer().get(v);
            head = Arrays.toString(v);
        }
        return "HostTensor" + dtype + shape + head;
    }
}
