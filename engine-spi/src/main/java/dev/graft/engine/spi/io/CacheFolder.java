package dev.graft.engine.spi.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Graft's cache folder, shared by engines (native libraries), plugins (extracted models) and core
 * (feature caches): the {@code graft.cache.dir} system property, else the {@code GRAFT_CACHE_DIR}
 * environment variable, else {@code ~/.cache/graft}.
 */
public final class CacheFolder {
    public static final String PROPERTY = "graft.cache.dir";
    public static final String ENV = "GRAFT_CACHE_DIR";
    private static final String COMPLETE = ".complete";

    private CacheFolder() {
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

    /** Writes a folder's contents into the temporary folder it is given. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path folder) throws IOException;
    }

    /**
     * Returns {@code dir}, filling it first unless a previous fill completed. The contents are
     * written into a temporary sibling folder (with the umask's permissions), marked complete and renamed into place in one move,
     * so no reader sees a partial folder and concurrent processes agree (the first rename wins).
     */
    public static Path fillOnce(Path dir, Filler filler) throws IOException {
        if (Files.isRegularFile(dir.resolve(COMPLETE))) {
            return dir;
        }
        Files.createDirectories(dir.getParent());
        Path tmp = TempSiblings.directory(dir);
        try {
            filler.fill(tmp);
            Files.createFile(tmp.resolve(COMPLETE));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            } catch (IOException e) {
                if (!Files.isRegularFile(dir.resolve(COMPLETE))) {
                    throw e;
                }
                // another process finished the same fill first
            }
        } finally {
            deleteTree(tmp);
        }
        return dir;
    }

    /** Deletes a folder and everything below it; nothing happens if it does not exist. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
