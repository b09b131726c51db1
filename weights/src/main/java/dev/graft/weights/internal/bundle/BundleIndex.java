package dev.graft.weights.internal.bundle;

import dev.graft.engine.spi.Shape;
import dev.graft.weights.TensorBundle.Entry;
import dev.graft.weights.WeightFileException;
import dev.graft.weights.internal.bundle.ProtoInput.Malformed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Parses a tensor bundle's index: a LevelDB-style table (footer, index block, data blocks with
 * prefix-compressed keys and CRC32C trailers) whose values are {@code BundleEntryProto}s, plus the
 * {@code BundleHeaderProto} under the empty key. Every offset, length and count is checked
 * against the bytes that hold it, data blocks must not overlap (so the work is linear in the file
 * size), and element counts use exact arithmetic.
 */
public final class BundleIndex {
    /** Shards are numbered with five digits in the data file names. */
    public static final int MAX_SHARDS = 99_999;
    /** TensorFlow's own rank limit. */
    public static final int MAX_RANK = 254;
    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER = 48;

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private int shards = -1;

    private BundleIndex(Path file) {
        this.file = file;
    }

    /** The entries in file order and the shard count of the header. */
    public record Parsed(Map<String, Entry> entries, int shards) {
    }

    public static Parsed parse(Path file, byte[] b) throws WeightFileException {
        BundleIndex p = new BundleIndex(file);
        p.table(b);
        if (p.shards < 0) {
            throw new WeightFileException(file, null, "no bundle header (the entry with the empty key): not a TensorFlow "
                    + "tensor-bundle index");
        }
        for (Entry e : p.entries.values()) {
            if (e.shard() >= p.shards) {
                throw new WeightFileException(file, e.name(), "shard " + e.shard() + " but the header declares " + p.shards
                        + " shard(s)");
            }
        }
        return new Parsed(p.entries, p.shards);
    }

    private void table(byte[] b) throws WeightFileException {
        if (b.length < FOOTER) {
            throw fail(null, "is " + b.length + " bytes, too short for a tensor-bundle index (footer alone is " + FOOTER + ")");
        }
        long magic = 0;
        for (int i = 7; i >= 0; i--) {
            magic = (magic << 8) | (b[b.length - 8 + i] & 0xFF);
        }
        if (magic != MAGIC) {
            throw fail(null, "not a TensorFlow tensor-bundle index (bad table magic)");
        }
        long[] index;
        try {
            ProtoInput footer = new ProtoInput(b, b.length - FOOTER, b.length - 8);
            handle(footer, b.length); // metaindex: unused
            index = handle(footer, b.length);
        } catch (Malformed m) {
            throw fail(null, "corrupt table footer: " + m.getMessage());
        }
        long nextFree = 0;
        for (byte[][] kv : block(b, index[0], index[1], "index block")) {
            long[] h;
            try {
                h = handle(new ProtoInput(kv[1]), b.length);
            } catch (Malformed m) {
                throw fail(null, "corrupt block handle in the index block: " + m.getMessage());
            }
            if (h[0] < nextFree) {
                throw fail(null, "data block at byte " + h[0] + " overlaps the previous block (ends at " + nextFree + ")");
            }
            nextFree = h[0] + h[1] + 5;
            for (byte[][] e : block(b, h[0], h[1], "data block at byte " + h[0])) {
                String name = new String(e[0], StandardCharsets.UTF_8);
                if (name.isEmpty()) {
                    header(e[1]);
                } else if (entries.put(name, entry(name, e[1])) != null) {
                    throw fail(name, "appears twice in the index");
                }
            }
        }
    }

    /** A block handle: offset and size, both inside a file of {@code fileSize} bytes with the 5-byte trailer. */
    private static long[] handle(ProtoInput in, long fileSize) throws Malformed {
        long off = in.varint(fileSize, "block offset");
        long size = in.varint(fileSize, "block size");
        if (off + size + 5 > fileSize) {
            throw new Malformed("block at " + off + " of " + size + " bytes (+5 trailer) lies outside the " + fileSize
                    + "-byte file");
        }
        return new long[] {off, size};
    }

    /** Key/value pairs of one uncompressed block, after checking its CRC32C trailer. */
    private java.util.List<byte[][]> block(byte[] b, long offset, long size, String what) throws WeightFileException {
        int start = (int) offset;
        int end = (int) (offset + size);
        int type = b[end];
        if (type != 0) {
            throw fail(null, what + " is compressed (type " + type + "); TensorFlow writes bundles uncompressed");
        }
        CRC32C crc = new CRC32C();
        crc.update(b, start, (int) size + 1);
        if (mask((int) crc.getValue()) != le32(b, end + 1)) {
            throw fail(null, what + " fails its CRC32C check (corrupted index)");
        }
        if (size < 4) {
            throw fail(null, what + " is " + size + " bytes, too short for its restart count");
        }
        long restarts = le32(b, end - 4) & 0xFFFFFFFFL;
        if (restarts * 4 > size - 4) {
            throw fail(null, what + " claims " + restarts + " restart points, more than its " + size + " bytes hold");
        }
        int limit = (int) (end - 4 - restarts * 4);
        java.util.List<byte[][]> out = new java.util.ArrayList<>();
        ProtoInput in = new ProtoInput(b, start, limit);
        byte[] last = new byte[0];
        try {
            while (!in.atEnd()) {
                int shared = (int) in.varint(last.length, "shared key length");
                int nonShared = (int) in.varint(limit - in.position(), "key length");
                int valueLen = (int) in.varint(limit - in.position() - nonShared, "value length");
                int keyAt = in.position();
                in.skipRaw(nonShared);
                int valueAt = in.position();
                in.skipRaw(valueLen);
                byte[] key = Arrays.copyOf(last, shared + nonShared);
                System.arraycopy(b, keyAt, key, shared, nonShared);
                byte[] value = Arrays.copyOfRange(b, valueAt, valueAt + valueLen);
                out.add(new byte[][] {key, value});
                last = key;
            }
        } catch (Malformed m) {
            throw fail(null, what + " is corrupt: " + m.getMessage());
        }
        return out;
    }

    /** BundleHeaderProto: num_shards = 1, endianness = 2 (0 little), version = 3. */
    private void header(byte[] v) throws WeightFileException {
        if (shards >= 0) {
            throw fail(null, "has two bundle headers");
        }
        int n = 0;
        try {
            ProtoInput in = new ProtoInput(v);
            while (!in.atEnd()) {
                long tag = in.tag();
                int field = (int) (tag >>> 3);
                if (field == 1) {
                    ProtoInput.expect(tag, ProtoInput.VARINT, "num_shards");
                    n = (int) in.varint(MAX_SHARDS, "num_shards");
                } else if (field == 2) {
                    ProtoInput.expect(tag, ProtoInput.VARINT, "endianness");
                    if (in.varint() != 0) {
                        throw fail(null, "is a big-endian bundle; only little-endian bundles are read");
                    }
                } else {
                    in.skip((int) (tag & 7));
                }
            }
        } catch (Malformed m) {
            throw fail(null, "corrupt bundle header: " + m.getMessage());
        }
        if (n < 1) {
            throw fail(null, "bundle header declares " + n + " shards");
        }
        shards = n;
    }

    /** BundleEntryProto: dtype 1, shape 2, shard_id 3, offset 4, size 5, crc32c 6 (fixed32), slices 7. */
    private Entry entry(String name, byte[] v) throws WeightFileException {
        int dtype = 0;
        long[] dims = new long[0];
        boolean unknownRank = false;
        int shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean sliced = false;
        try {
            ProtoInput in = new ProtoInput(v);
            while (!in.atEnd()) {
                long tag = in.tag();
                switch ((int) (tag >>> 3)) {
                    case 1 -> {
                        ProtoInput.expect(tag, ProtoInput.VARINT, "dtype");
                        dtype = (int) in.varint(1000, "dtype");
                    }
                    case 2 -> {
                        ProtoInput.expect(tag, ProtoInput.LENGTH_DELIMITED, "shape");
                        ProtoInput s = in.message();
                        long[] d = new long[8];
                        int rank = 0;
                        while (!s.atEnd()) {
                            long t = s.tag();
                            if ((t >>> 3) == 2) {
                                ProtoInput.expect(t, ProtoInput.LENGTH_DELIMITED, "shape.dim");
                                if (rank == MAX_RANK) {
                                    throw new Malformed("shape has more than " + MAX_RANK + " dimensions");
                                }
                                if (rank == d.length) {
                                    d = Arrays.copyOf(d, rank * 2);
                                }
                                d[rank++] = dim(s.message());
                            } else if ((t >>> 3) == 3) {
                                ProtoInput.expect(t, ProtoInput.VARINT, "shape.unknown_rank");
                                unknownRank |= s.varint() != 0;
                            } else {
                                s.skip((int) (t & 7));
                            }
                        }
                        dims = Arrays.copyOf(d, rank);
                    }
                    case 3 -> {
                        ProtoInput.expect(tag, ProtoInput.VARINT, "shard_id");
                        shard = (int) in.varint(MAX_SHARDS - 1, "shard_id");
                    }
                    case 4 -> {
                        ProtoInput.expect(tag, ProtoInput.VARINT, "offset");
                        offset = in.varint(Long.MAX_VALUE, "offset");
                    }
                    case 5 -> {
                        ProtoInput.expect(tag, ProtoInput.VARINT, "size");
                        size = in.varint(Long.MAX_VALUE, "size");
                    }
                    case 6 -> {
                        ProtoInput.expect(tag, ProtoInput.FIXED32, "crc32c");
                        crc = in.fixed32();
                    }
                    case 7 -> {
                        sliced = true;
                        in.skip((int) (tag & 7));
                    }
                    default -> in.skip((int) (tag & 7));
                }
            }
        } catch (Malformed m) {
            throw fail(name, "corrupt index entry: " + m.getMessage());
        }
        if (unknownRank) {
            throw fail(name, "shape of unknown rank");
        }
        long elements = 1;
        for (long d : dims) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw fail(name, "shape " + Arrays.toString(dims) + " claims more than 2^63 elements");
            }
        }
        int item = itemSize(dtype);
        if (item > 0 && !sliced) {
            long expected;
            try {
                expected = Math.multiplyExact(elements, item);
            } catch (ArithmeticException e) {
                throw fail(name, "shape " + Arrays.toString(dims) + " claims " + elements + " elements of " + item
                        + " bytes, more than 2^63 bytes");
            }
            if (expected != size) {
                throw fail(name, "shape " + Arrays.toString(dims) + " of " + Entry.dtypeName(dtype) + " needs " + expected
                        + " bytes but the entry says " + size);
            }
        } else if (dtype == Entry.DT_STRING && !sliced && elements > size) {
            throw fail(name, "string tensor of " + elements + " elements cannot fit in " + size + " bytes");
        }
        try {
            Math.addExact(offset, size);
        } catch (ArithmeticException e) {
            throw fail(name, "offset " + offset + " + size " + size + " overflows");
        }
        return new Entry(name, dtype, Shape.of(dims), shard, offset, size, crc, sliced);
    }

    /** TensorShapeProto.Dim: size = 1 (int64), name = 2. */
    private static long dim(ProtoInput in) throws Malformed {
        long size = 0;
        while (!in.atEnd()) {
            long t = in.tag();
            if ((t >>> 3) == 1) {
                ProtoInput.expect(t, ProtoInput.VARINT, "shape.dim.size");
                size = in.varint();
                if (size < 0) {
                    throw new Malformed("negative dimension " + size);
                }
            } else {
                in.skip((int) (t & 7));
            }
        }
        return size;
    }

    /** Bytes per element of a fixed-size TensorFlow dtype, or 0 for strings and types not known here. */
    public static int itemSize(int dtype) {
        return switch (dtype) {
            case 4, 6, 10 -> 1; // uint8, int8, bool
            case 5, 14, 17, 19 -> 2; // int16, bfloat16, uint16, half
            case 1, 3, 22 -> 4; // float, int32, uint32
            case 2, 8, 9, 23 -> 8; // double, complex64, int64, uint64
            case 18 -> 16; // complex128
            default -> 0;
        };
    }

    public static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    public static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private WeightFileException fail(String entry, String message) {
        return new WeightFileException(file, entry, message);
    }
}
