package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Bulk copies between host tensors and PyTorch tensors (little-endian on both sides). */
final class PtTensors {
    /** Per-thread direct staging buffer: reused, so feeding data allocates no GC-managed native memory per call. */
    private static final ThreadLocal<ByteBuffer[]> STAGING = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    private PtTensors() {
    }

    static DataType dataType(DType t) {
        return switch (t) {
            case FLOAT32 -> DataType.FLOAT32;
            case INT32 -> DataType.INT32;
        };
    }

    static DType dtype(DataType t) {
        return switch (t) {
            case FLOAT32 -> DType.FLOAT32;
            case INT32 -> DType.INT32;
            default -> throw new IllegalStateException("PyTorch produced a " + t + " tensor; Graft supports FLOAT32 and INT32");
        };
    }

    /**
     * A new tensor owned by {@code manager}, holding a copy of {@code h}. PyTorch's tensor made
     * from a direct buffer aliases the buffer's memory, so it is cloned into memory PyTorch owns
     * and the alias dropped at once; the staging buffer is then free for the next copy.
     */
    static NDArray toNd(NDManager manager, HostTensor h) {
        ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(h.shape().dims());
        if (h.byteSize() == 0) {
            return manager.create(shape, dataType(h.dtype()));
        }
        NDArray alias = manager.create(stage(h), shape, dataType(h.dtype()));
        try {
            return alias.duplicate();
        } finally {
            alias.close();
        }
    }

    /** Overwrites an existing tensor's value with {@code h} (same shape and type), keeping the object. */
    static void copyInto(NDArray target, HostTensor h) {
        boolean grad = target.hasGradient();
        target.intern(toNd(target.getManager(), h));
        if (grad) {
            target.setRequiresGradient(true);
        }
    }

    private static ByteBuffer stage(HostTensor h) {
        ByteBuffer[] holder = STAGING.get();
        int n = Math.toIntExact(h.byteSize());
        ByteBuffer b = holder[0];
        if (b == null || b.capacity() < n) {
            b = ByteBuffer.allocateDirect(Math.max(n, 1024)).order(ByteOrder.nativeOrder());
            holder[0] = b;
        }
        b.clear();
        b.put(h.buffer());
        b.flip();
        return b.slice().order(ByteOrder.nativeOrder());
    }

    static HostTensor toHost(NDArray a) {
        DType t = dtype(a.getDataType());
        Shape shape = Shape.of(a.getShape().getShape());
        ByteBuffer src = a.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.order(ByteOrder.LITTLE_ENDIAN)).flip();
        return HostTensor.wrap(t, shape, copy);
    }
}
