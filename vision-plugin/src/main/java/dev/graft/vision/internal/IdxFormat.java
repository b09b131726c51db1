package dev.graft.vision.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.BadImagePolicy;
import dev.graft.vision.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The MNIST / Fashion-MNIST files: an images IDX file ({@code *-images-idx3-ubyte}, gzip or not)
 * and its labels file ({@code *-labels-idx1-ubyte}), or a folder holding both for {@code train}
 * and {@code t10k} (Debian's {@code dataset-fashion-mnist} puts them in
 * {@code /usr/share/datasets/fashion-mnist}). Grey images become RGB images (the grey value in every
 * channel).
 *
 * <p>Options: {@code split} (train or test, for a folder; default train), {@code labels} (the labels
 * file, default: the images file's name with {@code images-idx3} replaced by {@code labels-idx1}),
 * {@code classes} (label numbers to keep, e.g. {@code 0,1,2,3,4}), {@code per-class} (keep this many
 * of each class), {@code seed} (which ones: a seeded shuffle; without it the first in file order),
 * {@code label-names} ({@code numbers} (default), {@code fashion-mnist}, or a comma-separated list
 * indexed by label number), {@code bad-images} (fail or skip; an IDX file has no single bad
 * image: any fault is in the whole file and always an error).
 */
public final class IdxFormat implements DatasetFormat {
    static final Set<String> OPTIONS = Set.of("split", "labels", "classes", "per-class", "seed", "label-names", "bad-images");
    /** Fashion-MNIST's class names, by label number. */
    public static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    @Override
    public String id() {
        return "idx";
    }

    @Override
    public boolean accepts(Path path) {
        String n = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isRegularFile(path)) {
            return n.contains("-idx3-ubyte");
        }
        return Files.isDirectory(path) && imagesIn(path, "train") != null;
    }

    @Override
    public Result read(Path path, Map<String, String> options) throws IOException {
        for (String k : options.keySet()) {
            if (!OPTIONS.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "' for dataset format idx; options are "
                        + new TreeSet<>(OPTIONS));
            }
        }
        if (options.containsKey("bad-images")) {
            BadImagePolicy.parse(options.get("bad-images"));
        }
        Path images = images(path, options.getOrDefault("split", "train"));
        Path labelsFile = options.containsKey("labels") ? Path.of(options.get("labels")) : labelsFor(images);
        IdxFile img = IdxFile.read(images);
        IdxFile lab = IdxFile.read(labelsFile);
        if (img.dims().length != 3) {
            throw new IOException(images + ": an images IDX file has 3 dimensions (count, rows, columns), this one has "
                    + Arrays.toString(img.dims()));
        }
        if (lab.dims().length != 1) {
            throw new IOException(labelsFile + ": a labels IDX file has 1 dimension (count), this one has "
                    + Arrays.toString(lab.dims()));
        }
        if (img.count() != lab.count()) {
            throw new IOException(images + " holds " + img.count() + " images but " + labelsFile + " holds " + lab.count()
                    + " labels");
        }
        List<String> names = labelNames(options.getOrDefault("label-names", "numbers"));
        Set<Integer> classes = classes(options.get("classes"));
        int perClass = options.containsKey("per-class") ? positive("per-class", options.get("per-class")) : Integer.MAX_VALUE;
        Integer[] order = new Integer[img.count()];
        Arrays.setAll(order, i -> i);
        if (options.containsKey("seed")) {
            java.util.Collections.shuffle(Arrays.asList(order), new Random(Long.parseLong(options.get("seed").strip())));
        }
        int rows = img.dims()[1];
        int cols = img.dims()[2];
        int[] taken = new int[256];
        List<Integer> keep = new ArrayList<>();
        for (int i : order) {
            int label = lab.get(i, 0);
            if (names != null && label >= names.size()) {
                throw new IOException(labelsFile + ": label " + label + " of item " + i + " has no name in label-names ("
                        + names.size() + " names)");
            }
            if ((classes == null || classes.contains(label)) && taken[label] < perClass) {
                taken[label]++;
                keep.add(i);
            }
        }
        keep.sort(null); // file order, whatever the selection
        String src = images.getFileName().toString();
        List<Example> out = new ArrayList<>(keep.size());
        for (int i : keep) {
            float[] px = new float[rows * cols * 3];
            int base = i * rows * cols;
            for (int p = 0; p < rows * cols; p++) {
                float v = img.values()[base + p] & 0xff;
                px[3 * p] = v;
                px[3 * p + 1] = v;
                px[3 * p + 2] = v;
            }
            int label = lab.get(i, 0);
            out.add(new Example(src + "#" + i, new RgbImage(cols, rows, px), names == null ? Integer.toString(label)
                    : names.get(label)));
        }
        return new Result(out, List.of());
    }

    /** The images file of {@code path}: itself, or the split's file in a folder. */
    static Path images(Path path, String split) throws IOException {
        if (!Files.isDirectory(path)) {
            if (!Files.isRegularFile(path)) {
                throw new IOException(path + ": no such file or directory");
            }
            return path;
        }
        String prefix = switch (split) {
            case "train" -> "train";
            case "test", "t10k" -> "t10k";
            default -> throw new IllegalArgumentException("split must be train or test, got '" + split + "'");
        };
        Path f = imagesIn(path, prefix);
        if (f == null) {
            throw new IOException(path + " holds no " + prefix + "-images-idx3-ubyte[.gz] file");
        }
        return f;
    }

    private static Path imagesIn(Path dir, String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix + "-images-idx3-ubyte")).sorted().findFirst()
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    static Path labelsFor(Path images) throws IOException {
        String n = images.getFileName().toString();
        if (!n.contains("images-idx3")) {
            throw new IOException(images + ": cannot tell its labels file (the name has no 'images-idx3'); pass labels=<file>");
        }
        return images.resolveSibling(n.replace("images-idx3", "labels-idx1"));
    }

    private static List<String> labelNames(String v) {
        return switch (v) {
            case "numbers" -> null;
            case "fashion-mnist" -> FASHION_MNIST;
            default -> Arrays.stream(v.split(",")).map(String::strip).toList();
        };
    }

    private static Set<Integer> classes(String v) {
        if (v == null) {
            return null;
        }
        Set<Integer> s = new TreeSet<>();
        for (String part : v.split(",")) {
            try {
                s.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("classes must be label numbers separated by commas, e.g. 0,1,2; got '" + v + "'");
            }
        }
        return s;
    }

    private static int positive(String k, String v) {
        try {
            int i = Integer.parseInt(v.strip());
            if (i > 0) {
                return i;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(k + " must be a positive integer, got '" + v + "'");
    }
}
