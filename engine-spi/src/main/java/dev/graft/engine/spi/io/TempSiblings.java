package dev.graft.engine.spi.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Uniquely named, hidden temporary files and folders beside a target, for writing it and renaming it
 * into place. Unlike {@link Files#createTempFile} and {@link Files#createTempDirectory}, which make
 * owner-only (0600 / 0700) entries, these get the permissions any file the user creates gets (the
 * umask), so a renamed model or cache folder is as readable as the rest of its folder.
 */
public final class TempSiblings {
    private static final int ATTEMPTS = 100;

    private TempSiblings() {
    }

    /** Creates an empty file {@code .<name>.<random>.tmp} in {@code target}'s folder. */
    public static Path file(Path target) throws IOException {
        Path dir = parent(target);
        for (int i = 0; ; i++) {
            try {
                return Files.createFile(candidate(dir, target));
            } catch (FileAlreadyExistsException e) {
                if (i >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Creates an empty folder {@code .<name>.<random>.tmp} in {@code target}'s folder. */
    public static Path directory(Path target) throws IOException {
        Path dir = parent(target);
        for (int i = 0; ; i++) {
            try {
                return Files.createDirectory(candidate(dir, target));
            } catch (FileAlreadyExistsException e) {
                if (i >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static Path parent(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return dir;
    }

    private static Path candidate(Path dir, Path target) {
        return dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                + ".tmp");
    }
}
