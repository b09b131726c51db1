package dev.graft.nlp;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.weights.TensorBundle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * TensorFlow checkpoints in the tensor-bundle format, read in plain Java. Kept for callers of the
 * NLP plugin's earlier API: it delegates to the hardened reader {@link TensorBundle} of
 * {@code dev.graft.weights}, whose errors are {@code WeightFileException}s naming the file and the
 * tensor.
 *
 * @deprecated use {@link TensorBundle}
 */
@Deprecated
public final class TfCheckpoint {
    private TfCheckpoint() {
    }

    /** One tensor's index entry. */
    public record Entry(String name, int dtype, Shape shape, int shard, long offset, long size, int crc32c,
            boolean sliced) {
        /** Whether {@link #read} can load it (float32 or int32, not partitioned). */
        public boolean readable() {
            return (dtype == TensorBundle.Entry.DT_FLOAT || dtype == TensorBundle.Entry.DT_INT32) && !sliced;
        }
    }

    /** See {@link TensorBundle#prefixOf}. */
    public static Path prefixOf(Path path) {
        return TensorBundle.prefixOf(path);
    }

    /** Lists the tensors in a checkpoint. */
    public static Map<String, Entry> entries(Path prefix) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (TensorBundle b = TensorBundle.open(prefix)) {
            for (TensorBundle.Entry e : b.entries().values()) {
                out.put(e.name(), new Entry(e.name(), e.dtype(), e.shape(), e.shard(), e.offset(), e.size(), e.crc32c(),
                        e.sliced()));
            }
        }
        return out;
    }

    /** Reads the float32 and int32 tensors whose names pass {@code filter}. */
    public static Map<String, HostTensor> read(Path prefix, Predicate<String> filter) throws IOException {
        return TensorBundle.read(prefix, filter);
    }
}
