package dev.graft.vision.internal.weights;

import java.util.Map;

/** Named tensors in a foreign weight file, read as float32 on demand. */
public interface TensorSource extends AutoCloseable {
    /** The file or directory, for reports and errors. */
    String description();

    /** Tensor name to shape, in file order. */
    Map<String, long[]> shapes();

    /** How the report names a tensor (the file's own name, and how it was derived when the source renames). */
    default String label(String name) {
        return name;
    }

    /** Why the source itself leaves a tensor out on purpose (a graph constant), or null. */
    default String skipReason(String name) {
        return null;
    }

    /** What the source knows about a tensor no parameter took (the node that reads it), or null. */
    default String unknownDetail(String name) {
        return null;
    }

    /** The tensor's values as float32, row-major. */
    float[] read(String name);

    @Override
    void close();
}
