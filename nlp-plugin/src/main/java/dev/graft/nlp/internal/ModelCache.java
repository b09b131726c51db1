package dev.graft.nlp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Graft's cache folder ({@code graft.cache.dir}, else {@code GRAFT_CACHE_DIR}, else
 * {@code ~/.cache/graft}) and safe, once-only extraction of zipped models into it.
 */
public final class ModelCache {
    public static final String PROPERTY = "graft.cache.dir";
    public static final String ENV = "GRAFT_CACHE_DIR";

    private ModelCache() {
    }

    /** The cache root (not created). */
    public static Path root() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        if (p == null || p.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".cache", "graft");
        }
        return Path.of(p);
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
        Path tmp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial-");
        try {
            try (InputStream in = zip.get(); ZipInputStream z = new ZipInputStream(in)) {
                int entries = 0;
                for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                    Path out = safeResolve(tmp, e.getName(), what);
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    try (OutputStream os = Files.newOutputStream(out)) {
                        z.transferTo(os);
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
            deleteTree(tmp);
        }
        return target;
    }

    /** Resolves a zip entry name inside {@code dir}, refusing anything that escapes it. */
    public static Path safeResolve(Path dir, String entryName, String what) throws IOException {
        String n = entryName.replace('\\', '/');
        if (n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.isEmpty()) {
            throw new IOException(what + ": refusing zip entry '" + entryName + "' with an absolute path");
        }
        Path out = dir.resolve(n).normalize();
        if (!out.startsWith(dir.normalize()) || out.equals(dir.normalize())) {
            throw new IOException(what + ": refusing zip entry '" + entryName + "' that leaves the target folder");
        }
        return out;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** A supplier that may fail with an IOException. */
    @FunctionalInterface
    public interface IoSupplier<T> {
        T get() throws IOException;
    }
}
