package dev.graft.engine.spi.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header,
 * then the raw tensor bytes). Reading validates everything before it allocates: header size,
 * UTF-8, dtypes, shapes, offsets in bounds, no overlaps or gaps, and the optional
 * {@code graft.crc32c} checksum. Writing is atomic: a temporary file is written, forced to disk
 * and renamed over the target.
 */
public final class SafeTensors {
    /** Largest header accepted (the reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** CRC32C of the tensor bytes, in the metadata of every file Graft writes. */
    public static final String CHECKSUM_KEY = "graft.crc32c";
    /**
     * CRC32C of the whole header (length prefix excluded, padding included) with this key's own
     * value read as {@code 00000000}: a flipped byte in a shape, an offset or a metadata value (a
     * checkpoint's step or trainer state) is detected too, not only one in the data.
     */
    public static final String HEADER_CHECKSUM_KEY = "graft.header.crc32c";
    private static final String CRC_PLACEHOLDER = "00000000";

    private SafeTensors() {
    }

    /** Tensors in file order plus the string metadata. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {
    }

    /** Headers only: names to dtype and shape, without reading tensor data. */
    public record Entry(String name, DType dtype, Shape shape, long begin, long end) {
    }

    /** A tensor's name, type and shape: what a header says of it before its bytes are known. */
    public record Layout(String name, DType dtype, Shape shape) {
        public long byteSize() {
            return shape.size() * dtype.byteSize();
        }
    }

    /** Gives the tensors of the named group (one call per group, in file order). */
    @FunctionalInterface
    public interface GroupSource {
        Map<String, HostTensor> get(List<String> names) throws IOException;
    }

    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        List<Layout> layout = new ArrayList<>();
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            layout.add(new Layout(e.getKey(), e.getValue().dtype(), e.getValue().shape()));
            crc.update(e.getValue().buffer());
        }
        ByteBuffer head = header(layout, metadata, Long.toHexString(crc.getValue()), 0);
        atomically(file, ch -> {
            writeFully(ch, head);
            for (HostTensor t : tensors.values()) {
                writeFully(ch, t.buffer());
            }
        });
    }

    /**
     * Writes the same file as {@link #write(Path, Map, Map)}, byte for byte, but a tensor that is one of the views of
     * {@code sources} ({@link FileTensors#tensors()}) is copied from its file with {@link FileChannel#transferTo}, in
     * the kernel: its bytes pass through neither the Java heap nor the process's mapped memory, and its checksum is
     * the one computed when the source was opened (combined with the others, not recomputed).
     *
     * @throws SafeTensorsException naming a source file that was truncated since it was opened
     */
    public static void write(Path file, Map<String, HostTensor> tensors, List<FileTensors> sources, Map<String, String> metadata)
            throws IOException {
        List<Layout> layout = new ArrayList<>();
        List<FileTensors> owners = new ArrayList<>();
        List<FileTensors.Region> regions = new ArrayList<>();
        long crc = 0; // CRC32C of nothing
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            layout.add(new Layout(e.getKey(), t.dtype(), t.shape()));
            FileTensors owner = null;
            FileTensors.Region r = null;
            for (FileTensors s : sources) {
                r = s.regionOf(t);
                if (r != null) {
                    owner = s;
                    break;
                }
            }
            owners.add(owner);
            regions.add(r);
            crc = Crc32c.combine(crc, r != null ? r.crc() : Crc32c.of(t.buffer()), t.byteSize());
        }
        ByteBuffer head = header(layout, metadata, Long.toHexString(crc), 0);
        atomically(file, ch -> {
            writeFully(ch, head);
            int i = 0;
            for (HostTensor t : tensors.values()) {
                if (owners.get(i) != null) {
                    owners.get(i).copy(regions.get(i), ch);
                } else {
                    writeFully(ch, t.buffer());
                }
                i++;
            }
        });
    }

    /**
     * Writes the same file as {@link #write(Path, Map, Map)} (up to spaces in the header's padding) from tensors
     * that {@code source} gives a group at a time: groups of at most {@code groupBytes} (or one larger tensor), so
     * only one group is ever held in memory, not all the tensors (a model's weights fetched from an engine for
     * saving were a full copy on the Java heap beside the engine's own).
     */
    public static void write(Path file, List<Layout> layout, long groupBytes, GroupSource source, Map<String, String> metadata)
            throws IOException {
        // the header is sized with the widest checksum text and rewritten once the data's checksum is known; a
        // shorter checksum leaves more spaces in the padding, which the format allows
        ByteBuffer sizing = header(layout, metadata, "ffffffff", 0);
        int headerBytes = sizing.remaining();
        atomically(file, ch -> {
            CRC32C crc = new CRC32C();
            Map<String, Layout> byName = new LinkedHashMap<>();
            layout.forEach(l -> byName.put(l.name(), l));
            long pos = headerBytes;
            for (List<String> group : groups(layout, groupBytes)) {
                Map<String, HostTensor> got = source.get(group);
                for (String name : group) {
                    HostTensor t = got.get(name);
                    Layout l = byName.get(name);
                    if (t == null || t.dtype() != l.dtype() || !t.shape().equals(l.shape())) {
                        throw new IllegalStateException("tensor '" + name + "' was announced as " + l.dtype() + l.shape()
                                + " but given as " + (t == null ? "nothing" : t.dtype() + "" + t.shape()) + " while writing " + file);
                    }
                    crc.update(t.buffer());
                    ByteBuffer b = t.buffer();
                    while (b.hasRemaining()) {
                        pos += ch.write(b, pos);
                    }
                }
            }
            ByteBuffer head = header(layout, metadata, Long.toHexString(crc.getValue()), headerBytes - 8);
            long at = 0;
            while (head.hasRemaining()) {
                at += ch.write(head, at);
            }
        });
    }

    /** Takes the tensors of one group. */
    @FunctionalInterface
    public interface GroupSink {
        void accept(Map<String, HostTensor> group) throws IOException;
    }

    /**
     * Reads the tensors a group of at most {@code groupBytes} (or one larger tensor) at a time, in file order,
     * handing each group to {@code sink} before reading the next, so only one group is in memory. The header is
     * validated first; the data's checksum can only be checked at the end, after the last group was handed
     * over: a mismatch then throws. Returns the metadata.
     */
    public static Map<String, String> read(Path file, long groupBytes, GroupSink sink) throws IOException {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            List<Entry> byOffset = new ArrayList<>(h.entries);
            byOffset.sort(Comparator.comparingLong(Entry::begin));
            Map<String, Entry> byName = new LinkedHashMap<>();
            List<Layout> layout = new ArrayList<>();
            for (Entry e : byOffset) {
                byName.put(e.name(), e);
                layout.add(new Layout(e.name(), e.dtype(), e.shape()));
            }
            CRC32C crc = new CRC32C();
            for (List<String> group : groups(layout, groupBytes)) {
                Map<String, HostTensor> got = new LinkedHashMap<>();
                for (String name : group) {
                    Entry e = byName.get(name);
                    ByteBuffer buf = readTensor(file, ch, h, e);
                    crc.update(buf.duplicate());
                    got.put(name, HostTensor.wrap(e.dtype(), e.shape(), buf));
                }
                sink.accept(got);
            }
            checkChecksum(file, h, crc);
            return h.metadata;
        }
    }

    private static ByteBuffer readTensor(Path file, FileChannel ch, Header h, Entry e) throws IOException {
        long n = e.end() - e.begin();
        if (n > Integer.MAX_VALUE - 16) {
            throw new SafeTensorsException(file, "tensor '" + e.name() + "' is " + n + " bytes, larger than one Java buffer");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) n).order(ByteOrder.LITTLE_ENDIAN);
        long pos = h.dataStart + e.begin();
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new SafeTensorsException(file, "truncated while reading tensor '" + e.name() + "'");
            }
            pos += r;
        }
        buf.flip();
        return buf;
    }

    /** Names in file order, cut into runs of at most {@code groupBytes} (a larger tensor is a run of its own). */
    static List<List<String>> groups(List<Layout> layout, long groupBytes) {
        List<List<String>> out = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        long bytes = 0;
        for (Layout l : layout) {
            if (!cur.isEmpty() && bytes + l.byteSize() > groupBytes) {
                out.add(cur);
                cur = new ArrayList<>();
                bytes = 0;
            }
            cur.add(l.name());
            bytes += l.byteSize();
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    /**
     * The length prefix and the header, padded with spaces to a multiple of 8 bytes, and to {@code padTo} bytes
     * when that is more, with its header checksum filled in.
     */
    private static ByteBuffer header(List<Layout> layout, Map<String, String> metadata, String dataCrc, int padTo) {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Layout l : layout) {
            if (l.name().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            JsonObject o = new JsonObject();
            o.addProperty("dtype", l.dtype().safetensorsName());
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
            for (long d : l.shape().dims()) {
                shape.add(d);
            }
            o.add("shape", shape);
            com.google.gson.JsonArray off = new com.google.gson.JsonArray();
            off.add(offset);
            off.add(offset + l.byteSize());
            o.add("data_offsets", off);
            header.add(l.name(), o);
            offset += l.byteSize();
        }
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        meta.addProperty(CHECKSUM_KEY, dataCrc);
        meta.addProperty(HEADER_CHECKSUM_KEY, CRC_PLACEHOLDER);
        header.add("__metadata__", meta);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        int length = Math.max(json.length + pad, padTo);
        if (padTo > 0 && json.length > padTo) {
            throw new IllegalStateException("header of " + json.length + " bytes does not fit the " + padTo + " reserved for it");
        }
        byte[] padded = java.util.Arrays.copyOf(json, length);
        java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        int at = headerChecksumValueAt(padded);
        CRC32C hcrc = new CRC32C();
        hcrc.update(padded);
        byte[] value = String.format("%08x", hcrc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(value, 0, padded, at, value.length);
        ByteBuffer head = ByteBuffer.allocate(8 + padded.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded.length).put(padded);
        head.flip();
        return head;
    }

    @FunctionalInterface
    private interface Body {
        void write(FileChannel ch) throws IOException;
    }

    /** Writes a temporary sibling, forces it to disk and renames it over {@code file}. */
    private static void atomically(Path file, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = TempSiblings.file(file);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the rename itself is still atomic
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads every tensor into memory after validating the whole header. */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            long need = ch.size() - h.dataStart;
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (need > free) {
                System.gc(); // garbage counts as used until collected; only refuse what a collection cannot make room for
                free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            }
            if (need > free) {
                throw new SafeTensorsException(file, "tensors hold " + need + " bytes, more than the Java heap has free (" + free
                        + " bytes); raise -Xmx");
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            CRC32C crc = new CRC32C();
            for (Entry e : h.entries) {
                ByteBuffer buf = readTensor(file, ch, h, e);
                crc.update(buf.duplicate());
                out.put(e.name(), HostTensor.wrap(e.dtype(), e.shape(), buf));
            }
            checkChecksum(file, h, crc);
            return new Contents(out, h.metadata);
        }
    }

    /**
     * Like {@link #read}, but the tensors are read-only views of the file mapped into memory: no copy
     * on the Java heap and no read of the bytes into it (the page cache serves them, and a second
     * process opening the same file shares them). The checksum is checked as in {@link #read}. The
     * mapping lives as long as the tensors; replacing the file by a rename (as {@link #write} does)
     * leaves them intact, truncating it in place while they are in use does not.
     */
    public static Contents map(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            ByteBuffer all = mappedData(ch, h);
            Map<String, HostTensor> out = new LinkedHashMap<>();
            CRC32C crc = new CRC32C();
            for (Entry e : h.entries) {
                ByteBuffer buf = mappedView(file, ch, h, all, e);
                crc.update(buf.duplicate());
                out.put(e.name(), HostTensor.wrap(e.dtype(), e.shape(), buf));
            }
            checkChecksum(file, h, crc);
            return new Contents(out, h.metadata);
        }
    }

    /** The whole data section mapped read-only, or null when it is too large for one buffer (then each tensor maps its own). */
    static ByteBuffer mappedData(FileChannel ch, Header h) throws IOException {
        long dataLen = ch.size() - h.dataStart;
        return dataLen <= Integer.MAX_VALUE ? ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart, dataLen) : null;
    }

    /** Entry {@code e}'s bytes as a little-endian read-only view: a slice of {@code all} ({@link #mappedData}), or mapped alone. */
    static ByteBuffer mappedView(Path file, FileChannel ch, Header h, ByteBuffer all, Entry e) throws IOException {
        long n = e.end() - e.begin();
        if (n > Integer.MAX_VALUE - 16) {
            throw new SafeTensorsException(file, "tensor '" + e.name() + "' is " + n + " bytes, larger than one Java buffer");
        }
        ByteBuffer view = all != null ? all.slice((int) e.begin(), (int) n)
                : ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart + e.begin(), n);
        return view.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Refuses data whose checksum differs from the one the header records (files written without one pass). */
    static void checkChecksum(Path file, Header h, CRC32C crc) throws SafeTensorsException {
        String expected = h.metadata.get(CHECKSUM_KEY);
        if (expected != null && !expected.equals(Long.toHexString(crc.getValue()))) {
            throw new SafeTensorsException(file, "checksum mismatch: header says " + expected + ", data gives "
                    + Long.toHexString(crc.getValue()) + " (file corrupted or partly written)");
        }
    }

    /** Validates the header and lists the tensors without reading their data. */
    public static List<Entry> entries(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            return readHeader(file, ch).entries;
        }
    }

    static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SafeTensorsException(file, "no such file");
        }
    }

    record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }

    static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafeTensorsException(file, "file is " + size + " bytes, too short for a safetensors header");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n <= 0 || n > MAX_HEADER_BYTES || n > size - 8) {
            throw new SafeTensorsException(file, "header length " + Long.toUnsignedString(n) + " is invalid for a file of "
                    + size + " bytes");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        while (hb.hasRemaining()) {
            if (ch.read(hb, 8 + hb.position()) < 0) {
                throw new SafeTensorsException(file, "truncated header");
            }
        }
        hb.flip();
        byte[] raw = hb.array();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file, "header is not valid UTF-8");
        }
        JsonObject root;
        try {
            JsonElement el = JsonParser.parseString(json);
            if (!el.isJsonObject()) {
                throw new SafeTensorsException(file, "header is not a JSON object");
            }
            root = el.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new SafeTensorsException(file, "header is not valid JSON: " + e.getMessage());
        }
        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        JsonElement metaEl = root.get("__metadata__");
        if (metaEl != null) {
            if (!metaEl.isJsonObject()) {
                throw new SafeTensorsException(file, "__metadata__ is not an object");
            }
            for (Map.Entry<String, JsonElement> m : metaEl.getAsJsonObject().entrySet()) {
                if (!m.getValue().isJsonPrimitive()) {
                    throw new SafeTensorsException(file, "metadata value '" + m.getKey() + "' is not a string");
                }
                metadata.put(m.getKey(), m.getValue().getAsString());
            }
        }
        // before the entries are interpreted, so a corrupted shape or offset is reported as corruption
        verifyHeader(file, raw, metadata);
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            if (!e.getKey().equals("__metadata__")) {
                entries.add(entry(file, e.getKey(), e.getValue(), dataLen));
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        long expect = 0;
        for (Entry e : sorted) {
            if (e.begin() < expect) {
                throw new SafeTensorsException(file, "tensor '" + e.name() + "' overlaps the previous tensor (offset "
                        + e.begin() + " < " + expect + ")");
            }
            if (e.begin() > expect) {
                throw new SafeTensorsException(file, "gap before tensor '" + e.name() + "' (offset " + e.begin()
                        + ", expected " + expect + ")");
            }
            expect = e.end();
        }
        if (expect != dataLen) {
            throw new SafeTensorsException(file, expect < dataLen
                    ? "file has " + (dataLen - expect) + " trailing bytes after the last tensor"
                    : "truncated: tensors need " + expect + " data bytes, file has " + dataLen);
        }
        return new Header(entries, metadata, dataStart);
    }

    private static Entry entry(Path file, String name, JsonElement v, long dataLen) throws SafeTensorsException {
        try {
            JsonObject o = v.getAsJsonObject();
            DType dtype;
            try {
                dtype = DType.fromSafetensors(o.get("dtype").getAsString());
            } catch (IllegalArgumentException ex) {
                throw new SafeTensorsException(file, "tensor '" + name + "': " + ex.getMessage());
            }
            var shapeArr = o.getAsJsonArray("shape");
            if (shapeArr.size() > 16) {
                throw new SafeTensorsException(file, "tensor '" + name + "' has rank " + shapeArr.size() + " (max 16)");
            }
            long[] shape = new long[shapeArr.size()];
            long elems = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = whole(file, name, "shape", shapeArr.get(i));
                if (shape[i] < 0) {
                    throw new SafeTensorsException(file, "tensor '" + name + "' has negative dimension " + shape[i]);
                }
                try {
                    elems = Math.multiplyExact(elems, shape[i]);
                } catch (ArithmeticException ex) {
                    throw new SafeTensorsException(file, "tensor '" + name + "' shape overflows");
                }
            }
            var off = o.getAsJsonArray("data_offsets");
            if (off.size() != 2) {
                throw new SafeTensorsException(file, "tensor '" + name + "' needs two data_offsets");
            }
            long begin = whole(file, name, "data_offsets", off.get(0));
            long end = whole(file, name, "data_offsets", off.get(1));
            if (begin < 0 || end < begin || end > dataLen) {
                throw new SafeTensorsException(file, "tensor '" + name + "' offsets [" + begin + ", " + end
                        + ") are outside the data (" + dataLen + " bytes" + (end > dataLen && begin >= 0 && end >= begin ? "; file truncated?" : "") + ")");
            }
            long need;
            try {
                need = Math.multiplyExact(elems, (long) dtype.byteSize());
            } catch (ArithmeticException ex) {
                throw new SafeTensorsException(file, "tensor '" + name + "' shape overflows");
            }
            if (end - begin != need) {
                throw new SafeTensorsException(file, "tensor '" + name + "' of " + dtype + java.util.Arrays.toString(shape)
                        + " needs " + need + " bytes, offsets give " + (end - begin));
            }
            return new Entry(name, dtype, Shape.of(shape), begin, end);
        } catch (SafeTensorsException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SafeTensorsException(file, "tensor '" + name + "' has a malformed header entry: " + e);
        }
    }

    /** A JSON integer written as plain digits (no fraction, exponent or sign tricks) that fits a long. */
    private static long whole(Path file, String tensor, String field, JsonElement v) throws SafeTensorsException {
        String s = v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() ? v.getAsJsonPrimitive().getAsString() : null;
        if (s == null || !isInteger(s)) {
            throw new SafeTensorsException(file, "tensor '" + tensor + "': " + field + " holds " + v + ", not an integer");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, "tensor '" + tensor + "': " + field + " value " + s + " does not fit 64 bits");
        }
    }

    private static boolean isInteger(String s) {
        int start = s.startsWith("-") ? 1 : 0;
        if (s.length() == start || s.length() > 40) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Checks the header checksum; files carrying Graft metadata must have both checksums. */
    private static void verifyHeader(Path file, byte[] raw, Map<String, String> metadata) throws SafeTensorsException {
        String expected = metadata.get(HEADER_CHECKSUM_KEY);
        if (expected == null || !metadata.containsKey(CHECKSUM_KEY)) {
            List<String> graftKeys = metadata.keySet().stream().filter(k -> k.startsWith("graft.")).sorted().toList();
            if (!graftKeys.isEmpty()) {
                throw new SafeTensorsException(file, "checksum " + (expected == null ? HEADER_CHECKSUM_KEY : CHECKSUM_KEY)
                        + " is missing from a file with Graft metadata " + graftKeys + " (file corrupted, or rewritten by a tool"
                        + " that dropped it)");
            }
            return;
        }
        int at = headerChecksumValueAt(raw);
        if (at < 0 || expected.length() != CRC_PLACEHOLDER.length() || at + CRC_PLACEHOLDER.length() > raw.length) {
            throw new SafeTensorsException(file, "header checksum '" + expected + "' is malformed (file corrupted)");
        }
        byte[] copy = raw.clone();
        java.util.Arrays.fill(copy, at, at + CRC_PLACEHOLDER.length(), (byte) '0');
        CRC32C crc = new CRC32C();
        crc.update(copy);
        String actual = String.format("%08x", crc.getValue());
        if (!actual.equals(expected)) {
            throw new SafeTensorsException(file, "header checksum mismatch: header says " + expected + ", header bytes give "
                    + actual + " (file corrupted or partly written)");
        }
    }

    /** Byte index of the header checksum's value in a serialized header, or -1. */
    private static int headerChecksumValueAt(byte[] header) {
        byte[] key = ("\"" + HEADER_CHECKSUM_KEY + "\":\"").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = header.length - key.length; i >= 0; i--) {
            for (int j = 0; j < key.length; j++) {
                if (header[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i + key.length;
        }
        return -1;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
