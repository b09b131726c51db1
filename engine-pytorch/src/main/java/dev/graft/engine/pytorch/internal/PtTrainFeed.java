package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs of training steps as tensors that outlive the step: one direct buffer per input, and a
 * PyTorch tensor that views that buffer's memory (made once, while the batch shape stays the same).
 * A step copies its batch into the buffers in Java and makes no native call and no tensor for its
 * inputs; a feed through {@link PtTensors#toNd} costs three calls and two tensors per input. Class
 * indices (INT32 [N]) also get their INT64 [N, 1] column, the form a gather takes, so that the
 * softmax cross-entropy need not convert them ({@link PtLosses}).
 * Training steps hold the model's write lock, so one buffer per input is enough, and the previous
 * step's autograd graph, which read them, is gone when the next step overwrites them.
 */
final class PtTrainFeed implements AutoCloseable {
    /** One input's buffer and the tensor viewing it; the buffer must stay reachable while the tensor lives. */
    private record Slot(ByteBuffer buffer, long[] dims, DataType type, NDArray tensor) {
    }

    /** Key suffix of an INT32 input's INT64 column (input names cannot contain it: they are graph names). */
    private static final String COLUMN = "\u0000column";

    private final PtCompiledModel model;
    private final Map<String, Slot> slots = new HashMap<>();

    PtTrainFeed(PtCompiledModel model) {
        this.model = model;
    }

    /** The batch's inputs {@code names} as tensors, checked as {@link PtCompiledModel#feed} checks them. */
    Map<String, NDArray> feed(PtScope s, Map<String, HostTensor> batch, List<String> names) {
        Map<String, NDArray> out = new HashMap<>();
        for (String in : names) {
            HostTensor h = model.checkedInput(batch, in, "training batch");
            if (h.byteSize() == 0) {
                out.put(in, PtTensors.toNd(s.manager(), h));
                continue;
            }
            NDArray t = slot(in, h).tensor();
            out.put(in, t);
            if (h.dtype() == DType.INT32 && h.shape().rank() == 1) {
                s.classIndex(t, column(in, h));
            }
        }
        return out;
    }

    /** Class indices (INT32 [N]) as the INT64 [N, 1] column a gather takes, converted in Java. */
    private NDArray column(String name, HostTensor h) {
        long n = h.shape().dims()[0];
        Slot slot = slot(name + COLUMN, new long[] {n, 1}, DataType.INT64, 8 * n);
        IntBuffer src = h.intBuffer();
        LongBuffer dst = slot.buffer().clear().asLongBuffer();
        while (src.hasRemaining()) {
            dst.put(src.get());
        }
        return slot.tensor();
    }

    /** Input {@code name}'s slot, filled with {@code h}'s values. */
    private Slot slot(String name, HostTensor h) {
        Slot slot = slot(name, h.shape().dims(), PtTensors.dataType(h.dtype()), h.byteSize());
        ByteBuffer b = slot.buffer();
        b.clear();
        b.put(h.buffer());
        b.clear();
        return slot;
    }

    /** The slot under {@code key}, made anew (the old one freed) unless it already has these dims and type. */
    private Slot slot(String key, long[] dims, DataType type, long bytes) {
        Slot slot = slots.get(key);
        if (slot != null && Arrays.equals(slot.dims(), dims) && slot.type() == type) {
            return slot;
        }
        if (slot != null) {
            model.dropPersistent(slot.tensor());
        }
        ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        // a direct buffer in native order: PyTorch's tensor aliases its memory instead of copying it
        slot = new Slot(b, dims.clone(), type, model.persistent(b, new Shape(dims), type));
        slots.put(key, slot);
        return slot;
    }

    @Override
    public void close() {
        for (Slot slot : slots.values()) {
            model.dropPersistent(slot.tensor());
        }
        slots.clear();
    }
}
