package dev.graft.vision.internal.weights;

import java.util.Map;

/** Named tensors in a foreign weight file, read as float32 on demand. */
public interface TensorSource extends AutoCloseable {
    /** The file or directory, for reports and errors. */
    String description();

    /** Tensor name to shape, in file order. */
    Map<String, long[]> shapes();

    /** The tensor's values as float32, row-major. */
    float[] read(String name);

    @Override
    void close();
}
