package dev.graft.vision.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder per class: {@code root/<label>/<image>}. Hidden files (names starting with a dot) are
 * ignored; any other file that is not an image, or an image that does not decode, is a problem
 * naming the file. Options: {@code verify=full|header|none} (default full: decode every image),
 * {@code max-pixels}.
 */
public final class ImageFolderFormat implements DatasetFormat {
    @Override
    public String id() {
        return "image-folder";
    }

    @Override
    public boolean accepts(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> s = Files.list(path)) {
            return s.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Result read(Path root, Map<String, String> options) throws IOException {
        ImageFiles.checkOptions(id(), options);
        if (!Files.isDirectory(root)) {
            throw new IOException(root + " is not a directory (image-folder wants one sub-folder per class)");
        }
        ImageDecoder dec = ImageFiles.decoder(options);
        String verify = options.getOrDefault("verify", "full");
        List<Example> examples = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<Path> classes;
        try (Stream<Path> s = Files.list(root)) {
            classes = s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
        if (classes.isEmpty()) {
            throw new IOException(root + " has no class sub-folders (image-folder wants root/<label>/<image>)");
        }
        for (Path dir : classes) {
            String label = dir.getFileName().toString();
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> !hidden(p)).sorted().toList();
            }
            for (Path f : files) {
                if (Files.isDirectory(f)) {
                    problems.add(new Problem(f.toString(), "nested folder; image-folder reads root/<label>/<image> only"));
                } else if (!ImageFiles.isImageName(f)) {
                    problems.add(new Problem(f.toString(), "not an image file (extensions: " + ImageFiles.EXTENSIONS + ")"));
                } else if (ImageFiles.check(f, f.toString(), dec, verify, problems)) {
                    examples.add(new Example(f.toString(), f, label));
                }
            }
        }
        return new Result(examples, problems);
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }
}
