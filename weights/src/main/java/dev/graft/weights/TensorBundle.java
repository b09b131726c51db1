package dev.graft.weights;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.weights.internal.bundle.BundleIndex;
import dev.graft.weights.internal.bundle.ObjectGraph;
import dev.graft.weights.internal.bundle.ProtoInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * Reads TensorFlow tensor bundles ({@code model.ckpt.index} + {@code model.ckpt.data-00000-of-00001}),
 * the format of {@code tf.train.Saver} / {@code tf.train.Checkpoint} checkpoints and of every
 * SavedModel's {@code variables/} folder, in plain Java: nothing in the files is executed and no
 * TensorFlow is needed.
 *
 * <p>The reader trusts nothing in the files. Index and data files must be regular files (a FIFO,
 * device or directory is refused before it is opened); every offset, length and element count is
 * checked with exact arithmetic against the real file sizes before anything is allocated; the
 * index's block checksums and every tensor's CRC32C are verified. Every failure is a
 * {@link WeightFileException} naming the file and, where there is one, the tensor. Float32 and
 * int32 tensors are read as {@link HostTensor}s, string tensors as bytes; other types are listed
 * but not loaded.
 */
public final class TensorBundle implements AutoCloseable {
    /** The largest index file read (BERT-Base's is 20 KB). */
    public static final long MAX_INDEX_BYTES = 256L << 20;
    /** The largest single tensor: one Java buffer. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;
    /** The checkpoint key of TensorFlow 2's object graph. */
    public static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";

    /** One tensor's index entry. */
    public record Entry(String name, int dtype, Shape shape, int shard, long offset, long size, int crc32c, boolean sliced) {
        public static final int DT_FLOAT = 1;
        public static final int DT_INT32 = 3;
        public static final int DT_STRING = 7;

        /** Whether {@link TensorBundle#read(String)} can load it (float32 or int32, not partitioned). */
        public boolean readable() {
            return (dtype == DT_FLOAT || dtype == DT_INT32) && !sliced;
        }

        /** TensorFlow's name of a dtype number, for messages. */
        public static String dtypeName(int dtype) {
            return switch (dtype) {
                case 1 -> "float32";
                case 2 -> "float64";
                case 3 -> "int32";
                case 4 -> "uint8";
                case 7 -> "string";
                case 9 -> "int64";
                case 10 -> "bool";
                case 14 -> "bfloat16";
                case 19 -> "float16";
                default -> "dtype " + dtype;
            };
        }
    }

    private final Path prefix;
    private final Path index;
    private final Map<String, Entry> entries;
    private final Path[] dataFiles;
    private final long[] dataSizes;
    private final boolean followLinks;
    private final FileChannel[] open;

    private TensorBundle(Path prefix, Path index, BundleIndex.Parsed parsed, Path[] dataFiles, long[] dataSizes,
            boolean followLinks) {
        this.prefix = prefix;
        this.index = index;
        this.entries = Collections.unmodifiableMap(parsed.entries());
        this.dataFiles = dataFiles;
        this.dataSizes = dataSizes;
        this.followLinks = followLinks;
        this.open = new FileChannel[dataFiles.length];
    }

    /**
     * The prefix of a checkpoint: {@code dir/model.ckpt} for {@code dir/model.ckpt.index}, or
     * {@code dir/variables/variables} for a SavedModel folder {@code dir}.
     */
    public static Path prefixOf(Path path) {
        if (Files.isDirectory(path.resolve("variables"), LinkOption.NOFOLLOW_LINKS)) {
            return path.resolve("variables").resolve("variables");
        }
        String s = path.toString();
        return s.endsWith(".index") ? Path.of(s.substring(0, s.length() - ".index".length())) : path;
    }

    /**
     * Opens the bundle at {@code prefix} ({@code prefix.index} + {@code prefix.data-*}). Symbolic
     * links the user placed are followed, but their targets must be regular files.
     */
    public static TensorBundle open(Path prefix) throws WeightFileException {
        return open(prefix, true);
    }

    /**
     * Opens the variables of a SavedModel folder ({@code dir/variables/variables.*}). Nothing inside
     * the folder may be a symbolic link: a SavedModel cannot point the reader at other files.
     */
    public static TensorBundle openSavedModel(Path dir) throws WeightFileException {
        Path vars = dir.resolve("variables");
        BasicFileAttributes a = attributes(vars, false, "SavedModel variables folder");
        if (a.isSymbolicLink()) {
            throw new WeightFileException(vars, null, "is a symbolic link; a SavedModel's variables/ must be a real folder");
        }
        if (!a.isDirectory()) {
            throw new WeightFileException(vars, null, "is not a folder; a SavedModel keeps its weights in variables/");
        }
        return open(vars.resolve("variables"), false);
    }

    private static TensorBundle open(Path prefix, boolean followLinks) throws WeightFileException {
        Path index = Path.of(prefix + ".index");
        long indexSize = regularFile(index, followLinks, "checkpoint index");
        if (indexSize > MAX_INDEX_BYTES) {
            throw new WeightFileException(index, null, "is " + indexSize + " bytes; a tensor-bundle index larger than "
                    + MAX_INDEX_BYTES + " bytes is refused");
        }
        byte[] b = new byte[(int) indexSize];
        try (FileChannel ch = FileChannel.open(real(index, followLinks), StandardOpenOption.READ)) {
            readFully(ch, ByteBuffer.wrap(b), 0, index, null);
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw new WeightFileException(index, null, "cannot read: " + e.getMessage(), e);
        }
        BundleIndex.Parsed parsed = BundleIndex.parse(index, b);
        int shards = parsed.shards();
        Path[] files = new Path[shards];
        long[] sizes = new long[shards];
        for (int s = 0; s < shards; s++) {
            files[s] = Path.of(prefix + String.format(".data-%05d-of-%05d", s, shards));
            sizes[s] = -1; // inspected when the shard is first read: listing entries needs the index only
        }
        return new TensorBundle(prefix, index, parsed, files, sizes, followLinks);
    }

    /** Reads the float32 and int32 tensors whose names pass {@code filter}, in file order. */
    public static Map<String, HostTensor> read(Path prefix, Predicate<String> filter) throws WeightFileException {
        try (TensorBundle b = open(prefix)) {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Entry e : b.entries().values()) {
                if (e.readable() && filter.test(e.name())) {
                    out.put(e.name(), b.read(e.name()));
                }
            }
            return out;
        }
    }

    public Path prefix() {
        return prefix;
    }

    /** The index file, for messages. */
    public Path indexFile() {
        return index;
    }

    /** Every tensor's entry by name, in file order (the bundle header is not an entry). */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** Reads one float32 or int32 tensor. */
    public synchronized HostTensor read(String name) throws WeightFileException {
        Entry e = entry(name);
        if (!e.readable()) {
            throw new WeightFileException(index, name, e.sliced() ? "partitioned (sliced) tensors are not supported"
                    : Entry.dtypeName(e.dtype()) + " tensors are not read; only float32 and int32");
        }
        ByteBuffer buf = bytes(e, true);
        return HostTensor.wrap(e.dtype() == Entry.DT_FLOAT ? DType.FLOAT32 : DType.INT32, e.shape(), buf);
    }

    /** Reads one string tensor's elements, row-major. */
    public synchronized List<byte[]> readStrings(String name) throws WeightFileException {
        Entry e = entry(name);
        if (e.dtype() != Entry.DT_STRING || e.sliced()) {
            throw new WeightFileException(index, name, "is " + Entry.dtypeName(e.dtype()) + ", not an unpartitioned string tensor");
        }
        ByteBuffer buf = bytes(e, false); // TensorFlow's checksum of a string tensor is not over its raw bytes: below
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        long n = e.shape().size(); // <= b.length, checked by the index
        ProtoInput in = new ProtoInput(b);
        long[] lengths = new long[(int) n];
        CRC32C crc = new CRC32C();
        try {
            long total = 0;
            for (int i = 0; i < n; i++) {
                lengths[i] = in.varint(b.length, "string length");
                total += lengths[i];
                ByteBuffer l = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                if (lengths[i] <= 0xFFFFFFFFL) {
                    l.putInt((int) lengths[i]);
                } else {
                    l.putLong(lengths[i]);
                }
                crc.update(l.array(), 0, l.position());
            }
            int checksum = in.fixed32();
            if (checksum != BundleIndex.mask((int) crc.getValue())) {
                throw new WeightFileException(dataFiles[e.shard()], name, "string lengths fail their checksum");
            }
            if (total != b.length - in.position()) {
                throw new WeightFileException(dataFiles[e.shard()], name, "string lengths add up to " + total + " bytes but "
                        + (b.length - in.position()) + " follow them");
            }
            // the tensor's checksum: the lengths as little-endian uint32s (uint64 past 4 GiB), the length checksum, the bytes
            crc.update(b, in.position() - 4, b.length - in.position() + 4);
            if (BundleIndex.mask((int) crc.getValue()) != e.crc32c()) {
                throw new WeightFileException(dataFiles[e.shard()], name, "checksum mismatch (corrupted checkpoint)");
            }
            List<byte[]> out = new ArrayList<>((int) n);
            int at = in.position();
            for (long len : lengths) {
                out.add(java.util.Arrays.copyOfRange(b, at, at + (int) len));
                at += (int) len;
            }
            return out;
        } catch (ProtoInput.Malformed m) {
            throw new WeightFileException(dataFiles[e.shard()], name, "corrupt string tensor: " + m.getMessage());
        }
    }

    /**
     * For a TensorFlow 2 (object-graph) checkpoint, each checkpoint key
     * ({@code layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE}) mapped to the variable's own
     * name ({@code conv1_conv/kernel}); empty for a TensorFlow 1 checkpoint, whose keys are the
     * variable names.
     */
    public synchronized Map<String, String> variableNames() throws WeightFileException {
        if (!entries.containsKey(OBJECT_GRAPH_KEY)) {
            return Map.of();
        }
        List<byte[]> graph = readStrings(OBJECT_GRAPH_KEY);
        if (graph.size() != 1) {
            throw new WeightFileException(index, OBJECT_GRAPH_KEY, "holds " + graph.size() + " strings, expected one");
        }
        try {
            return ObjectGraph.variableNames(graph.get(0));
        } catch (ProtoInput.Malformed m) {
            throw new WeightFileException(dataFiles[entries.get(OBJECT_GRAPH_KEY).shard()], OBJECT_GRAPH_KEY,
                    "corrupt object graph: " + m.getMessage());
        }
    }

    private Entry entry(String name) throws WeightFileException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new WeightFileException(index, name, "no such tensor in the checkpoint");
        }
        return e;
    }

    /** The entry's bytes, bounds-checked before allocation and (if {@code verify}) CRC-checked after. */
    private ByteBuffer bytes(Entry e, boolean verify) throws WeightFileException {
        Path data = dataFiles[e.shard()];
        if (e.size() > MAX_TENSOR_BYTES) {
            throw new WeightFileException(data, e.name(), "tensor of " + e.size() + " bytes is larger than one buffer ("
                    + MAX_TENSOR_BYTES + " bytes)");
        }
        FileChannel ch;
        try {
            ch = channel(e.shard());
        } catch (WeightFileException x) {
            throw x;
        } catch (IOException x) {
            throw new WeightFileException(data, e.name(), "cannot open: " + x.getMessage(), x);
        }
        if (e.offset() + e.size() > dataSizes[e.shard()]) {
            throw new WeightFileException(data, e.name(), "tensor claims bytes " + e.offset() + ".." + (e.offset() + e.size())
                    + " but the data file holds only " + dataSizes[e.shard()] + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) e.size()).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(ch, buf, e.offset(), data, e.name());
        } catch (WeightFileException x) {
            throw x;
        } catch (IOException x) {
            throw new WeightFileException(data, e.name(), "cannot read: " + x.getMessage(), x);
        }
        buf.flip();
        if (!verify) {
            return buf;
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate());
        if (BundleIndex.mask((int) crc.getValue()) != e.crc32c()) {
            throw new WeightFileException(data, e.name(), "checksum mismatch (corrupted checkpoint)");
        }
        return buf;
    }

    /** The shard's data file, inspected (regular file, size, every entry inside it) before it is first opened. */
    private FileChannel channel(int shard) throws IOException {
        if (open[shard] == null) {
            Path file = dataFiles[shard];
            long size = regularFile(file, followLinks, "checkpoint data file");
            for (Entry e : entries.values()) {
                if (e.shard() == shard && e.offset() + e.size() > size) {
                    throw new WeightFileException(file, e.name(), "tensor claims bytes " + e.offset() + ".."
                            + (e.offset() + e.size()) + " but the data file holds only " + size + " bytes");
                }
            }
            FileChannel ch = FileChannel.open(real(file, followLinks), StandardOpenOption.READ);
            if (ch.size() != size) {
                ch.close();
                throw new WeightFileException(file, null, "changed size while being opened");
            }
            dataSizes[shard] = size;
            open[shard] = ch;
        }
        return open[shard];
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at, Path file, String entry) throws IOException {
        long p = at;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r <= 0) {
                throw new WeightFileException(file, entry, "file ends at byte " + p + " (truncated)");
            }
            p += r;
        }
    }

    /** The size of a regular file; anything else (missing, directory, FIFO, device, link where none may be) is refused. */
    private static long regularFile(Path file, boolean followLinks, String what) throws WeightFileException {
        BasicFileAttributes a = attributes(file, followLinks, what);
        if (a.isSymbolicLink()) {
            throw new WeightFileException(file, null, what + " is a symbolic link; inside a SavedModel only real files are read");
        }
        if (!a.isRegularFile()) {
            throw new WeightFileException(file, null, what + " is " + (a.isDirectory() ? "a directory" : "not a regular file "
                    + "(a FIFO, socket or device)") + "; only regular files are read");
        }
        return a.size();
    }

    private static BasicFileAttributes attributes(Path file, boolean followLinks, String what) throws WeightFileException {
        try {
            Path p = real(file, followLinks);
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new WeightFileException(file, null, what + " does not exist");
        } catch (IOException e) {
            throw new WeightFileException(file, null, "cannot inspect " + what + ": " + e.getMessage(), e);
        }
    }

    /** The file itself, or with links followed, its target: which is then inspected without following links. */
    private static Path real(Path file, boolean followLinks) throws IOException {
        return followLinks ? file.toRealPath() : file;
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < open.length; i++) {
            if (open[i] != null) {
                try {
                    open[i].close();
                } catch (IOException e) {
                    // read-only channel: nothing to lose
                }
                open[i] = null;
            }
        }
    }
}
