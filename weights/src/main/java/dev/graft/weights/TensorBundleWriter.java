package dev.graft.weights;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes a single-shard TensorFlow tensor bundle ({@code prefix.index} +
 * {@code prefix.data-00000-of-00001}) of float32, int32 and string tensors, laid out the way
 * TensorFlow's {@code BundleWriter} lays them out (sorted keys, header under the empty key,
 * prefix-compressed index blocks with CRC32C trailers, masked CRC32C per tensor), so that
 * TensorFlow and {@link TensorBundle} can read it. Used to hand-build checkpoints for tests and
 * tools without TensorFlow.
 */
public final class TensorBundleWriter {
    private static final int RESTART_INTERVAL = 16;
    private static final int BLOCK_BYTES = 4096;

    private record Item(int dtype, long[] dims, byte[] bytes, int crc) {
        Item(int dtype, long[] dims, byte[] bytes) {
            this(dtype, dims, bytes, crcOf(bytes));
        }

        private static int crcOf(byte[] bytes) {
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return (int) crc.getValue();
        }
    }

    private final TreeMap<String, Item> items = new TreeMap<>();

    /** Adds a float32 or int32 tensor. */
    public TensorBundleWriter add(String name, HostTensor t) {
        ByteBuffer b = t.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return put(name, new Item(t.dtype() == DType.FLOAT32 ? TensorBundle.Entry.DT_FLOAT : TensorBundle.Entry.DT_INT32,
                t.shape().dims(), bytes));
    }

    /** Adds a string tensor of the given shape (its element count must match). */
    public TensorBundleWriter addStrings(String name, long[] dims, byte[]... values) {
        ByteArrayOutputStream lengths = new ByteArrayOutputStream();
        CRC32C crc = new CRC32C();
        for (byte[] v : values) {
            varint(lengths, v.length);
            crc.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v.length).array());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(lengths.toByteArray());
        byte[] lengthChecksum = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(mask((int) crc.getValue())).array();
        out.writeBytes(lengthChecksum);
        crc.update(lengthChecksum); // as TensorFlow: the tensor's checksum covers the lengths as uint32s, not as varints
        for (byte[] v : values) {
            out.writeBytes(v);
            crc.update(v);
        }
        return put(name, new Item(TensorBundle.Entry.DT_STRING, dims.clone(), out.toByteArray(), (int) crc.getValue()));
    }

    private TensorBundleWriter put(String name, Item item) {
        if (name.isEmpty() || items.put(name, item) != null) {
            throw new IllegalArgumentException("tensor name '" + name + "' is empty or used twice");
        }
        return this;
    }

    /** Writes {@code prefix.index} and {@code prefix.data-00000-of-00001}. */
    public void write(Path prefix) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        TreeMap<String, byte[]> index = new TreeMap<>();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(1 << 3); // num_shards = 1
        header.write(1);
        header.write(3 << 3 | 2); // version { producer: 1 }
        header.write(2);
        header.write(1 << 3);
        header.write(1);
        index.put("", header.toByteArray());
        for (Map.Entry<String, Item> e : items.entrySet()) {
            Item it = e.getValue();
            index.put(e.getKey(), entry(it.dtype(), it.dims(), data.size(), it.bytes().length, mask(it.crc())));
            data.writeBytes(it.bytes());
        }
        Files.write(Path.of(prefix + ".data-00000-of-00001"), data.toByteArray());
        Files.write(Path.of(prefix + ".index"), table(index));
    }

    /** A {@code BundleEntryProto} (dtype, shape, shard 0, offset, size, crc32c). */
    public static byte[] entry(int dtype, long[] dims, long offset, long size, int crc) {
        ByteArrayOutputStream shape = new ByteArrayOutputStream();
        for (long d : dims) {
            ByteArrayOutputStream dim = new ByteArrayOutputStream();
            dim.write(1 << 3);
            varint(dim, d);
            shape.write(2 << 3 | 2);
            varint(shape, dim.size());
            shape.writeBytes(dim.toByteArray());
        }
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(1 << 3);
        varint(p, dtype);
        p.write(2 << 3 | 2);
        varint(p, shape.size());
        p.writeBytes(shape.toByteArray());
        if (offset != 0) {
            p.write(4 << 3);
            varint(p, offset);
        }
        p.write(5 << 3);
        varint(p, size);
        p.write(6 << 3 | 5);
        p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc).array());
        return p.toByteArray();
    }

    /** A LevelDB-style table of sorted key/value pairs: data blocks, an empty metaindex, an index block and the footer. */
    public static byte[] table(TreeMap<String, byte[]> kv) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        TreeMap<String, byte[]> handles = new TreeMap<>();
        BlockBuilder block = new BlockBuilder();
        String last = null;
        for (Map.Entry<String, byte[]> e : kv.entrySet()) {
            block.add(e.getKey(), e.getValue());
            last = e.getKey();
            if (block.size() >= BLOCK_BYTES) {
                handles.put(last, handle(file.size(), block.finish(file)));
                block = new BlockBuilder();
            }
        }
        if (!block.empty()) {
            handles.put(last, handle(file.size(), block.finish(file)));
        }
        long metaOffset = file.size();
        long metaSize = new BlockBuilder().finish(file);
        BlockBuilder idx = new BlockBuilder();
        handles.forEach(idx::add);
        long indexOffset = file.size();
        long indexSize = idx.finish(file);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        varint(footer, metaOffset);
        varint(footer, metaSize);
        varint(footer, indexOffset);
        varint(footer, indexSize);
        while (footer.size() < 40) {
            footer.write(0);
        }
        footer.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L).array());
        file.writeBytes(footer.toByteArray());
        return file.toByteArray();
    }

    private static byte[] handle(long offset, long size) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        varint(h, offset);
        varint(h, size);
        return h.toByteArray();
    }

    /** One block: prefix-compressed entries, restart points, then (on finish) the type byte and CRC. */
    private static final class BlockBuilder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final java.util.List<Integer> restarts = new java.util.ArrayList<>(java.util.List.of(0));
        private byte[] lastKey = new byte[0];
        private int count;

        void add(String key, byte[] value) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            int shared = 0;
            if (count % RESTART_INTERVAL == 0) {
                if (count > 0) {
                    restarts.add(out.size());
                }
            } else {
                while (shared < Math.min(k.length, lastKey.length) && k[shared] == lastKey[shared]) {
                    shared++;
                }
            }
            varint(out, shared);
            varint(out, k.length - shared);
            varint(out, value.length);
            out.write(k, shared, k.length - shared);
            out.writeBytes(value);
            lastKey = k;
            count++;
        }

        boolean empty() {
            return count == 0;
        }

        int size() {
            return out.size();
        }

        /** Appends the block and its trailer to {@code file}; returns the block's size without the trailer. */
        long finish(ByteArrayOutputStream file) {
            ByteBuffer r = ByteBuffer.allocate(4 * restarts.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
            restarts.forEach(r::putInt);
            r.putInt(restarts.size());
            out.writeBytes(r.array());
            byte[] contents = out.toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(contents);
            crc.update(0);
            file.writeBytes(contents);
            file.write(0);
            file.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(mask((int) crc.getValue())).array());
            return contents.length;
        }
    }

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
