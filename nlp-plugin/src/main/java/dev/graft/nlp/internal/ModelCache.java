package dev.graft.nlp.internal;

import dev.graft.engine.spi.io.CacheFolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Graft's cache folder ({@code graft.cache.dir}, else {@code GRAFT_CACHE_DIR}, else
 * {@code ~/.cache/graft}) and safe, once-only extraction of zipped models into it.
 */
public final class ModelCache {
    public static final String PROPERTY = CacheFolder.PROPERTY;
    public static final String ENV = CacheFolder.ENV;

    private ModelCache() {
    }

    /** The cache root (not created). */
    public static Path root() {
        return CacheFolder.root();
    }

    /**
     * Extracts a zip stream into {@code target} unless it is already there. Entries are written to
     * a private folder first and moved into place in one rename, so a reader never sees a partial
     * model and concurrent extractions agree. Entries that would land outside the folder (absolute
     * names, {@code ..}) are refused.
     */
    public static Path extractOnce(Path target, String what, IoSupplier<InputStream> zip) throws IOException {
        if (Files.isDirectory(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path tmp = dev.graft.engine.spi.io.TempSiblings.directory(target);
        try {
            try (InputStream in = zip.get(); ZipInputStream z = new ZipInputStream(in)) {
                int entries = 0;
                long total = 0;
                long limit = maxExtractedBytes();
                for (ZipEntry e; (e = nextEntry(z, what)) != null; ) {
                    Path out = safeResolve(tmp, e.getName(), what);
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    try (OutputStream os = Files.newOutputStream(out)) {
                        byte[] buf = new byte[1 << 16];
                        for (int r; (r = z.read(buf)) > 0; ) {
                            total += r;
                            if (total > limit) {
                                throw new IOException(what + ": archive expands beyond " + limit + " bytes (set -D"
                                        + MAX_BYTES_PROPERTY + " to allow more); refusing it as a possible zip bomb");
                            }
                            os.write(buf, 0, r);
                        }
                    } catch (java.util.zip.ZipException | RuntimeException ex) {
                        throw new IOException(what + ": corrupt zip entry '" + e.getName() + "': " + ex.getMessage(), ex);
                    }
                    entries++;
                }
                if (entries == 0) {
                    throw new IOException(what + " is not a zip archive or is empty");
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another process finished first: its copy is complete, use it
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            CacheFolder.deleteTree(tmp);
        }
        return target;
    }

    /** System property bounding how many bytes one archive may expand to. */
    public static final String MAX_BYTES_PROPERTY = "graft.archive.maxBytes";

    private static long maxExtractedBytes() {
        return Long.getLong(MAX_BYTES_PROPERTY, 4L << 30);
    }

    /** The next entry; malformed names or headers become an IOException naming the archive. */
    private static ZipEntry nextEntry(ZipInputStream z, String what) throws IOException {
        try {
            return z.getNextEntry();
        } catch (java.util.zip.ZipException e) {
            throw new IOException(what + " is not a valid zip archive: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException(what + " has a malformed zip entry: " + e, e);
        }
    }

    /** Resolves a zip entry name inside {@code dir}, refusing anything that escapes it. */
    public static Path safeResolve(Path dir, String entryName, String what) throws IOException {
        String n = entryName.replace('\\', '/');
        if (n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.isEmpty()) {
            throw new IOException(what + ": refusing zip entry '" + entryName + "' with an absolute path");
        }
        Path out;
        try {
            out = dir.resolve(n).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException(what + ": refusing zip entry with an invalid name: " + e.getMessage(), e);
        }
        if (!out.startsWith(dir.normalize()) || out.equals(dir.normalize())) {
            throw new IOException(what + ": refusing zip entry '" + entryName + "' that leaves the target folder");
        }
        return out;
    }

    /** A supplier that may fail with an IOException. */
    @FunctionalInterface
    public interface IoSupplier<T> {
        T get() throws IOException;
    }
}
