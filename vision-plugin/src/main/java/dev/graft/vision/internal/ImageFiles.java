package dev.graft.vision.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.vision.image.BadImageException;
import dev.graft.vision.image.ImageDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Shared checks for image dataset formats. */
final class ImageFiles {
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "wbmp");
    static final Set<String> OPTIONS = Set.of("verify", "max-pixels", "bad-images");

    private ImageFiles() {
    }

    static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }

    static void checkOptions(String format, Map<String, String> options) {
        for (String k : options.keySet()) {
            if (!OPTIONS.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "' for dataset format " + format
                        + "; options are " + OPTIONS);
            }
        }
        String v = options.getOrDefault("verify", "full");
        if (!Set.of("full", "header", "none").contains(v)) {
            throw new IllegalArgumentException("verify must be full, header or none, got '" + v + "'");
        }
    }

    static ImageDecoder decoder(Map<String, String> options) {
        String mp = options.get("max-pixels");
        return mp == null ? new ImageDecoder() : new ImageDecoder(Long.parseLong(mp));
    }

    /** Checks one image as {@code verify} says; adds a problem naming the file if it is bad. */
    static boolean check(Path file, String where, ImageDecoder dec, String verify, List<DatasetFormat.Problem> problems) {
        try {
            switch (verify) {
                case "full" -> dec.decode(file);
                case "header" -> dec.probe(file);
                default -> {
                    if (!java.nio.file.Files.isRegularFile(file)) {
                        throw new BadImageException(file.toString(), "no such file");
                    }
                }
            }
            return true;
        } catch (BadImageException e) {
            problems.add(new DatasetFormat.Problem(where, e.reason()));
            return false;
        }
    }
}
