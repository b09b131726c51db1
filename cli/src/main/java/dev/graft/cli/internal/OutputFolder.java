package dev.graft.cli.internal;

import dev.graft.engine.spi.io.TempSiblings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The model folder a run writes ({@code graft fit -o DIR}). Claiming it takes an exclusive lock
 * ({@link FileChannel#tryLock}) on the hidden file {@code .DIR.lock} beside it, held until
 * {@link #close}, so a second run into the same folder fails at once instead of overwriting the
 * first; an existing non-empty folder is refused unless overwriting was asked for. The run writes
 * into a hidden sibling folder, and {@link #commit} renames it into place: a reader never sees a
 * half-written model, and a finished model is never lost (when it cannot be moved into place, it
 * stays where it was written and the error names it). The lock file stays (removing it would let two
 * runs lock different files of the same name).
 */
final class OutputFolder implements AutoCloseable {
    private final Path target;
    private final boolean overwrite;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path staging;
    private boolean committed;
    private boolean finished;

    private OutputFolder(Path target, boolean overwrite, FileChannel lockChannel, FileLock lock, Path staging) {
        this.target = target;
        this.overwrite = overwrite;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.staging = staging;
    }

    /** The lock file of a model folder: {@code .NAME.lock} beside it. */
    static Path lockFile(Path target) {
        Path t = target.toAbsolutePath().normalize();
        return t.resolveSibling("." + t.getFileName() + ".lock");
    }

    /**
     * Locks {@code target} for this run and checks that it may be written.
     *
     * @throws UsageException when another run holds the lock, or {@code target} is a file, or a non-empty
     *                        folder and {@code overwrite} is false
     */
    static OutputFolder claim(Path target, boolean overwrite, String option) throws IOException {
        Path t = target.toAbsolutePath().normalize();
        if (t.getParent() == null) {
            throw new UsageException(option + " " + target + ": cannot write a model into the root folder");
        }
        Files.createDirectories(t.getParent());
        Path lockPath = lockFile(t);
        FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by this process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new UsageException(option + " " + target + ": another graft run is writing this model folder (it holds the lock "
                    + lockPath + "); wait for it to finish or choose another folder");
        }
        try {
            if (Files.exists(t) && !overwrite && !emptyFolder(t, option)) {
                throw new UsageException(option + " " + target + " exists and is not empty; add --overwrite to replace it, "
                        + "or choose another folder");
            }
            if (Files.isRegularFile(t)) {
                throw new UsageException(option + " " + target + " is a file, not a folder");
            }
            return new OutputFolder(t, overwrite, ch, l, TempSiblings.directory(t));
        } catch (IOException | RuntimeException e) {
            l.release();
            ch.close();
            throw e;
        }
    }

    private static boolean emptyFolder(Path dir, String option) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (NotDirectoryException e) {
            throw new UsageException(option + " " + dir + " is a file, not a folder");
        }
    }

    /** The folder the run writes into; it becomes {@link #target} at {@link #commit}. */
    Path staging() {
        return staging;
    }

    /** The model folder as the user named it (absolute). */
    Path target() {
        return target;
    }

    /** Where to write {@code p} now: inside {@link #staging} when {@code p} lies inside the target, else {@code p}. */
    Path staged(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(target) ? staging.resolve(target.relativize(a).toString()) : p;
    }

    /** Where {@code p}, a path inside {@link #staging}, is after the commit. */
    Path published(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(staging) ? target.resolve(staging.relativize(a)) : a;
    }

    /**
     * Moves the written folder into place. An existing target (only with overwrite) is first renamed
     * aside and deleted once the new one is in place.
     */
    void commit() throws IOException {
        finished = true; // from here on the staging folder holds a finished model: never delete it
        Path old = null;
        if (Files.exists(target)) {
            if (!overwrite && !emptyFolder(target, "-o")) {
                throw new IOException(target + " appeared while training and is not empty; the trained model is in " + staging);
            }
            old = TempSiblings.directory(target);
            Files.delete(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw new IOException("cannot move the trained model from " + staging + " to " + target + " (it stays in "
                    + staging + "): " + e.getMessage(), e);
        }
        committed = true;
        if (old != null) {
            deleteTree(old);
        }
    }

    /** Releases the lock; a run that failed before {@link #commit} leaves no half-written folder behind. */
    @Override
    public void close() throws IOException {
        try {
            if (!finished) {
                deleteTree(staging);
            }
        } finally {
            try {
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
