package dev.graft.nlp;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * Reads TensorFlow checkpoints in the tensor-bundle format ({@code model.ckpt.index} +
 * {@code model.ckpt.data-00000-of-00001}), as written by {@code tf.train.Saver} and inside every
 * SavedModel's {@code variables/} folder, in plain Java: no TensorFlow needed. The index is an
 * SSTable of {@code BundleEntryProto}s; every tensor's CRC32C is checked. Float and int32
 * tensors are read; others (e.g. {@code global_step}, int64) are listed but not loaded.
 */
public final class TfCheckpoint {
    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int DT_FLOAT = 1;
    private static final int DT_INT32 = 3;

    private TfCheckpoint() {
    }

    /** One tensor's index entry. */
    public record Entry(String name, int dtype, Shape shape, int shard, long offset, long size, int crc32c,
            boolean sliced) {
        /** Whether {@link #read} can load it (float32 or int32, not partitioned). */
        public boolean readable() {
            return (dtype == DT_FLOAT || dtype == DT_INT32) && !sliced;
        }
    }

    /**
     * The prefix of a checkpoint: {@code dir/model.ckpt} for {@code dir/model.ckpt.index}, or a
     * SavedModel folder (its {@code variables/variables}).
     */
    public static Path prefixOf(Path path) {
        if (Files.isDirectory(path.resolve("variables"))) {
            return path.resolve("variables").resolve("variables");
        }
        String s = path.toString();
        return s.endsWith(".index") ? Path.of(s.substring(0, s.length() - ".index".length())) : path;
    }

    /** Lists the tensors in a checkpoint. */
    public static Map<String, Entry> entries(Path prefix) throws IOException {
        Path index = Path.of(prefix + ".index");
        if (!Files.isRegularFile(index)) {
            throw new IOException("no TensorFlow checkpoint at " + prefix + " (" + index + " does not exist)");
        }
        byte[] b = Files.readAllBytes(index);
        if (b.length < 48) {
            throw new IOException(index + " is too short for a checkpoint index");
        }
        ByteBuffer footer = ByteBuffer.wrap(b, b.length - 48, 48).order(ByteOrder.LITTLE_ENDIAN);
        if (footer.getLong(b.length - 8) != MAGIC) {
            throw new IOException(index + " is not a TensorFlow checkpoint index (bad table magic)");
        }
        int[] pos = {b.length - 48};
        readVarint(b, pos); // metaindex offset
        readVarint(b, pos); // metaindex size
        long indexOffset = readVarint(b, pos);
        long indexSize = readVarint(b, pos);
        Map<String, Entry> out = new LinkedHashMap<>();
        for (byte[][] kv : block(index, b, indexOffset, indexSize)) {
            int[] hp = {0};
            long off = readVarint(kv[1], hp);
            long size = readVarint(kv[1], hp);
            for (byte[][] e : block(index, b, off, size)) {
                String name = new String(e[0], StandardCharsets.UTF_8);
                if (!name.isEmpty()) {
                    out.put(name, entry(index, name, e[1]));
                }
            }
        }
        return out;
    }

    /** Reads the float32 and int32 tensors whose names pass {@code filter}. */
    public static Map<String, HostTensor> read(Path prefix, Predicate<String> filter) throws IOException {
        Map<String, Entry> entries = entries(prefix);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        int shards = 1;
        for (Entry e : entries.values()) {
            shards = Math.max(shards, e.shard() + 1);
        }
        Map<Integer, FileChannel> open = new LinkedHashMap<>();
        try {
            for (Entry e : entries.values()) {
                if (!e.readable() || !filter.test(e.name())) {
                    continue;
                }
                FileChannel ch = open.get(e.shard());
                if (ch == null) {
                    Path data = Path.of(prefix + String.format(".data-%05d-of-%05d", e.shard(), shards));
                    ch = FileChannel.open(data, StandardOpenOption.READ);
                    open.put(e.shard(), ch);
                }
                long expected = e.shape().size() * 4;
                if (e.size() != expected) {
                    throw new IOException(prefix + ": tensor '" + e.name() + "' of shape " + e.shape() + " has " + e.size()
                            + " bytes, expected " + expected);
                }
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(e.size())).order(ByteOrder.LITTLE_ENDIAN);
                long p = e.offset();
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, p);
                    if (r < 0) {
                        throw new IOException(prefix + ": data file truncated in tensor '" + e.name() + "'");
                    }
                    p += r;
                }
                buf.flip();
                CRC32C crc = new CRC32C();
                crc.update(buf.duplicate());
                if (mask((int) crc.getValue()) != e.crc32c()) {
                    throw new IOException(prefix + ": checksum mismatch in tensor '" + e.name() + "' (corrupted checkpoint)");
                }
                out.put(e.name(), HostTensor.wrap(e.dtype() == DT_FLOAT ? DType.FLOAT32 : DType.INT32, e.shape(), buf));
            }
        } finally {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
        }
        return out;
    }

    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** Key/value pairs of one SSTable block (uncompressed; TensorFlow writes bundles that way). */
    private static List<byte[][]> block(Path file, byte[] b, long offset, long size) throws IOException {
        if (offset < 0 || size < 4 || offset + size + 5 > b.length) {
            throw new IOException(file + ": block at " + offset + " (" + size + " bytes) lies outside the file");
        }
        int type = b[(int) (offset + size)];
        if (type != 0) {
            throw new IOException(file + ": compressed index blocks (type " + type + ") are not supported");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int start = (int) offset;
        int end = (int) (offset + size);
        int restarts = bb.getInt(end - 4);
        int limit = end - 4 - 4 * restarts;
        List<byte[][]> out = new ArrayList<>();
        int[] pos = {start};
        byte[] last = new byte[0];
        while (pos[0] < limit) {
            int shared = (int) readVarint(b, pos);
            int nonShared = (int) readVarint(b, pos);
            int valueLen = (int) readVarint(b, pos);
            if (shared > last.length || pos[0] + nonShared + valueLen > limit) {
                throw new IOException(file + ": corrupt index block at byte " + pos[0]);
            }
            byte[] key = new byte[shared + nonShared];
            System.arraycopy(last, 0, key, 0, shared);
            System.arraycopy(b, pos[0], key, shared, nonShared);
            pos[0] += nonShared;
            byte[] value = new byte[valueLen];
            System.arraycopy(b, pos[0], value, 0, valueLen);
            pos[0] += valueLen;
            out.add(new byte[][] {key, value});
            last = key;
        }
        return out;
    }

    /** Decodes a BundleEntryProto. */
    private static Entry entry(Path file, String name, byte[] p) throws IOException {
        int dtype = 0;
        List<Long> dims = new ArrayList<>();
        int shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean sliced = false;
        int[] pos = {0};
        while (pos[0] < p.length) {
            long tag = readVarint(p, pos);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (field) {
                case 1 -> dtype = (int) readVarint(p, pos);
                case 2 -> {
                    int len = (int) readVarint(p, pos);
                    int endShape = pos[0] + len;
                    while (pos[0] < endShape) {
                        long t = readVarint(p, pos);
                        if ((t >>> 3) == 2 && (t & 7) == 2) {
                            int dl = (int) readVarint(p, pos);
                            int endDim = pos[0] + dl;
                            long d = 0;
                            while (pos[0] < endDim) {
                                long dt = readVarint(p, pos);
                                if ((dt >>> 3) == 1) {
                                    d = readVarint(p, pos);
                                } else {
                                    skip(p, pos, (int) (dt & 7));
                                }
                            }
                            dims.add(d);
                        } else {
                            skip(p, pos, (int) (t & 7));
                        }
                    }
                }
                case 3 -> shard = (int) readVarint(p, pos);
                case 4 -> offset = readVarint(p, pos);
                case 5 -> size = readVarint(p, pos);
                case 6 -> {
                    crc = ByteBuffer.wrap(p, pos[0], 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    pos[0] += 4;
                }
                case 7 -> {
                    sliced = true;
                    skip(p, pos, wire);
                }
                default -> skip(p, pos, wire);
            }
            if (pos[0] > p.length) {
                throw new IOException(file + ": corrupt entry for '" + name + "'");
            }
        }
        return new Entry(name, dtype, Shape.of(dims.stream().mapToLong(Long::longValue).toArray()), shard, offset, size, crc,
                sliced);
    }

    private static void skip(byte[] p, int[] pos, int wire) throws IOException {
        switch (wire) {
            case 0 -> readVarint(p, pos);
            case 1 -> pos[0] += 8;
            case 2 -> pos[0] += (int) readVarint(p, pos);
            case 5 -> pos[0] += 4;
            default -> throw new IOException("unsupported protobuf wire type " + wire);
        }
    }

    private static long readVarint(byte[] b, int[] pos) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IOException("truncated varint");
            }
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("varint too long");
    }
}
