package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.EngineException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A SavedModel folder as read once: the bytes of {@code saved_model.pb}, the regular files beside
 * it, and their total size. Symbolic links and special files (FIFOs, devices) anywhere inside the
 * folder are refused. TensorFlow later loads a private copy ({@link #stage}): the screened graph
 * bytes, next to links to exactly the variable and asset files checked here.
 */
record SavedModelFiles(Path dir, byte[] savedModel, List<Path> files, long totalBytes) {
    /** The largest {@code saved_model.pb} read (protocol buffers stop at 2 GiB). */
    static final long MAX_GRAPH_BYTES = Integer.MAX_VALUE - 8;

    static SavedModelFiles read(Path directory) {
        Path dir;
        try {
            dir = directory.toRealPath();
        } catch (IOException e) {
            throw new EngineException("not a TensorFlow SavedModel: " + directory + " does not exist", e);
        }
        Path pb = dir.resolve("saved_model.pb");
        if (!Files.isDirectory(dir) || !Files.exists(pb, LinkOption.NOFOLLOW_LINKS)) {
            throw new EngineException("not a TensorFlow SavedModel: " + pb + " does not exist");
        }
        List<Path> files = new ArrayList<>();
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    if (a.isSymbolicLink()) {
                        throw new EngineException("refusing SavedModel " + dir + ": " + f + " is a symbolic link; a SavedModel "
                                + "folder must hold its own files (copy the target in place of the link)");
                    }
                    if (!a.isRegularFile()) {
                        throw new EngineException("refusing SavedModel " + dir + ": " + f + " is not a regular file");
                    }
                    files.add(dir.relativize(f));
                    total[0] = SavedModelClaims.add(total[0], a.size());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    throw new EngineException("cannot read SavedModel " + dir + ": " + f + ": " + e.getMessage(), e);
                }
            });
            long size = Files.size(pb);
            if (size > MAX_GRAPH_BYTES) {
                throw new EngineException("refusing SavedModel " + dir + ": " + pb + " is " + size + " bytes, more than a "
                        + "protocol buffer can hold");
            }
            byte[] bytes = Files.readAllBytes(pb);
            return new SavedModelFiles(dir, bytes, List.copyOf(files), total[0]);
        } catch (IOException e) {
            throw new EngineException("cannot read SavedModel " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A new private folder (mode 0700) holding {@code graph} as its {@code saved_model.pb} and
     * links to the checked files under {@code variables/} and {@code assets/}; delete it with
     * {@link #delete} once TensorFlow has loaded it.
     */
    Path stage(byte[] graph) {
        try {
            Path stage = Files.createTempDirectory("graft-savedmodel-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.write(stage.resolve("saved_model.pb"), graph, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            for (Path f : files) {
                if (f.getNameCount() > 1 && (f.getName(0).toString().equals("variables")
                        || f.getName(0).toString().equals("assets"))) {
                    Path link = stage.resolve(f.toString());
                    Files.createDirectories(link.getParent());
                    Files.createSymbolicLink(link, dir.resolve(f));
                }
            }
            return stage;
        } catch (IOException | UnsupportedOperationException e) {
            throw new EngineException("cannot stage SavedModel " + dir + " for loading: " + e.getMessage(), e);
        }
    }

    static void delete(Path stage) {
        try (Stream<Path> s = Files.walk(stage)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover private temp folder is harmless
        }
    }
}
