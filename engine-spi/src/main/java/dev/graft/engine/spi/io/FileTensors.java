package dev.graft.engine.spi.io;

import dev.graft.engine.spi.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A safetensors file checked and held open, whose tensors can reach another safetensors file file to file.
 * Opening validates the header as {@link SafeTensors#read(Path)} does and checks the data's checksum, reading the
 * data through one small buffer, so nothing of it stays in the process's memory (the page cache holds it, as for any
 * file read). {@link #tensors()} are read-only views of the file mapped into memory whose pages are read only when
 * a view is used; {@link SafeTensors#write(Path, Map, java.util.List, Map)} copies the bytes of any of these views
 * from this file with {@link FileChannel#transferTo} (a copy in the kernel) instead of writing them from memory, and
 * takes their checksum from the one computed here.
 *
 * <p>The file stays open until {@link #close()} (or until this object is unreachable), so it can be deleted or
 * replaced by a rename once opened: the views and the copies read the file that was checked. Changed in place after
 * opening, it is not checked again; a copy then carries the checksum of the bytes that were checked, so the file
 * written from it fails its own check when read.
 */
public final class FileTensors implements AutoCloseable {
    private static final int CHUNK = 1 << 20;

    /** Where one tensor's bytes lie in the file, and their CRC32C. */
    record Region(String name, long position, long length, long crc) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, HostTensor> tensors;
    private final Map<String, String> metadata;
    private final Map<HostTensor, Region> regions;

    private FileTensors(Path file, FileChannel channel, Map<String, HostTensor> tensors, Map<String, String> metadata,
            Map<HostTensor, Region> regions) {
        this.file = file;
        this.channel = channel;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.regions = regions;
    }

    /**
     * Opens and checks {@code file}: the header as {@link SafeTensors#read(Path)} does, then every tensor's bytes
     * against the data checksum the header records (files without one pass, as they do there).
     *
     * @throws SafeTensorsException naming the file when it is missing, malformed, truncated or corrupted
     */
    public static FileTensors open(Path file) throws IOException {
        FileChannel ch = SafeTensors.open(file);
        try {
            SafeTensors.Header h = SafeTensors.readHeader(file, ch);
            ByteBuffer all = SafeTensors.mappedData(ch, h);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            CRC32C whole = new CRC32C();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            Map<HostTensor, Region> regions = new IdentityHashMap<>();
            for (SafeTensors.Entry e : h.entries()) {
                ByteBuffer view = SafeTensors.mappedView(file, ch, h, all, e);
                long n = view.remaining();
                long pos = h.dataStart() + e.begin();
                CRC32C one = new CRC32C();
                for (long done = 0; done < n; ) {
                    chunk.clear().limit((int) Math.min(CHUNK, n - done));
                    int r = ch.read(chunk, pos + done);
                    if (r < 0) {
                        throw new SafeTensorsException(file, "truncated while reading tensor '" + e.name() + "'");
                    }
                    chunk.flip();
                    one.update(chunk.duplicate());
                    whole.update(chunk);
                    done += r;
                }
                HostTensor t = HostTensor.wrap(e.dtype(), e.shape(), view);
                out.put(e.name(), t);
                regions.put(t, new Region(e.name(), pos, n, one.getValue()));
            }
            SafeTensors.checkChecksum(file, h, whole);
            return new FileTensors(file, ch, out, h.metadata(), regions);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The tensors in file order: read-only mapped views, checked when the file was opened. */
    public Map<String, HostTensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Whether {@code t} is one of {@link #tensors()} (the same object, not equal bytes). */
    public boolean holds(HostTensor t) {
        return regions.containsKey(t);
    }

    /** The region of one of {@link #tensors()}, or null for any other tensor. */
    Region regionOf(HostTensor t) {
        return regions.get(t);
    }

    /** Appends the region's bytes to {@code target} at its position, copied in the kernel. */
    void copy(Region r, FileChannel target) throws IOException {
        long done = 0;
        while (done < r.length()) {
            long n = channel.transferTo(r.position() + done, r.length() - done, target);
            if (n <= 0) {
                throw new SafeTensorsException(file, "tensor '" + r.name() + "': the file ends after " + done + " of its "
                        + r.length() + " bytes (truncated since it was checked)");
            }
            done += n;
        }
    }

    /** Closes the file; the views stay valid. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
