package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.RawTensor;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataStorageVisitor;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/** Bulk copies between host tensors and TensorFlow tensors (little-endian x86 layout). */
final class TfTensors {
    private TfTensors() {
    }

    static Class<? extends TType> tfType(DType t) {
        return switch (t) {
            case FLOAT32 -> TFloat32.class;
            case INT32 -> TInt32.class;
        };
    }

    static org.tensorflow.ndarray.Shape tfShape(Shape s) {
        return org.tensorflow.ndarray.Shape.of(s.dims());
    }

    private static final int CHUNK = 1 << 16;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[CHUNK]);

    /**
     * A new TensorFlow tensor holding a copy of the host bytes; the caller closes it. The bytes go
     * through a small reused array in bulk copies (wrapping the read-only host buffer in a
     * DataBuffer copied it element by element: about 1 ms per 4 MB, 2% of a transformer step).
     */
    static Tensor toTf(HostTensor h) {
        Tensor t = Tensor.of(tfType(h.dtype()), tfShape(h.shape()));
        try {
            ByteDataBuffer dst = t.asRawTensor().data();
            ByteBuffer src = h.buffer();
            byte[] scratch = SCRATCH.get();
            long pos = 0;
            while (src.hasRemaining()) {
                int n = Math.min(CHUNK, src.remaining());
                src.get(scratch, 0, n);
                dst.offset(pos).write(scratch, 0, n);
                pos += n;
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    static TInt64 longs(long... v) {
        return TInt64.vectorOf(v);
    }

    /** Copies a TensorFlow tensor into a host tensor. */
    static HostTensor fromTf(Tensor t) {
        DType dtype = fromTf(t.dataType());
        RawTensor raw = t.asRawTensor();
        byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
        raw.data().read(bytes);
        return HostTensor.wrap(dtype, Shape.of(t.shape().asArray()), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * The tensor's values without a copy: a direct buffer over TensorFlow's own memory, valid only while the tensor is
     * open (the caller must not use it after closing the tensor); a copy where the data is not native memory.
     */
    static HostTensor view(Tensor t) {
        DType dtype = fromTf(t.dataType());
        RawTensor raw = t.asRawTensor();
        long bytes = raw.numBytes();
        ByteBuffer direct = bytes == 0 || bytes > Integer.MAX_VALUE ? null : raw.data().accept(new DataStorageVisitor<ByteBuffer>() {
            @Override
            public ByteBuffer visit(long address, long length, long scale) {
                return length * scale < bytes ? null : new NativeWindow(address, bytes).asByteBuffer();
            }

            @Override
            public ByteBuffer fallback() {
                return null;
            }
        });
        return direct == null ? fromTf(t)
                : HostTensor.wrap(dtype, Shape.of(t.shape().asArray()), direct.order(ByteOrder.LITTLE_ENDIAN));
    }

    /** A JavaCPP pointer to memory it does not own (no deallocator), for a direct buffer over it. */
    private static final class NativeWindow extends BytePointer {
        NativeWindow(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    static DType fromTf(DataType dt) {
        return switch (dt) {
            case DT_FLOAT -> DType.FLOAT32;
            case DT_INT32 -> DType.INT32;
            default -> throw new IllegalArgumentException("unsupported TensorFlow dtype " + dt);
        };
    }
}
