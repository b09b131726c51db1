package dev.graft.vision.image;

import dev.graft.core.spi.Preprocessing;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How pixels become network input, as the weights expect: resize the shorter side to
 * {@code resize}, center-crop {@code size} (at evaluation; training uses a random resized crop of
 * {@code size}), reorder channels (RGB or BGR), multiply by {@code scale}, subtract {@code mean}
 * and divide by {@code std} per channel (both in the output channel order).
 *
 * <ul>
 *   <li>{@code caffe} (keras.applications ResNet50, VGG16): BGR, 0..255, mean 103.939, 116.779, 123.68.</li>
 *   <li>{@code torch} (torchvision, timm): RGB, /255, mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225.</li>
 *   <li>{@code unit}: RGB, /255 (networks trained from scratch by Graft).</li>
 * </ul>
 */
public record ImagePreprocessing(String kind, int size, int resize, boolean bgr, float scale, float[] mean, float[] std) {
    public ImagePreprocessing {
        if (size < 1 || resize < size) {
            throw new IllegalArgumentException("image preprocessing needs 1 <= size <= resize, got size " + size + ", resize " + resize);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need three channels");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    public static ImagePreprocessing caffe(int size) {
        return new ImagePreprocessing("caffe", size, size, true, 1f, new float[] {103.939f, 116.779f, 123.68f},
                new float[] {1, 1, 1});
    }

    /** torchvision's evaluation transform: resize to size / 0.875, center crop. */
    public static ImagePreprocessing torch(int size) {
        return new ImagePreprocessing("torch", size, Math.round(size / 0.875f), false, 1f / 255f,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    public static ImagePreprocessing unit(int size) {
        return new ImagePreprocessing("unit", size, size, false, 1f / 255f, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    }

    /** The named kind at a size: caffe, torch or unit. */
    public static ImagePreprocessing named(String kind, int size) {
        return switch (kind) {
            case "caffe" -> caffe(size);
            case "torch" -> torch(size);
            case "unit" -> unit(size);
            default -> throw new IllegalArgumentException("unknown image preprocessing '" + kind + "'; choose caffe, torch or unit");
        };
    }

    /** The same normalisation at another size. */
    public ImagePreprocessing withSize(int newSize) {
        int newResize = Math.max(newSize, Math.round((float) resize * newSize / size));
        return new ImagePreprocessing(kind, newSize, newResize, bgr, scale, mean, std);
    }

    /** The record core stores with weights and saved models. */
    public Preprocessing toPreprocessing() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("size", Integer.toString(size));
        p.put("resize", Integer.toString(resize));
        p.put("channels", bgr ? "BGR" : "RGB");
        p.put("scale", Float.toString(scale));
        p.put("mean", join(mean));
        p.put("std", join(std));
        return new Preprocessing(kind, p);
    }

    /** Reads a record written by {@link #toPreprocessing()}. */
    public static ImagePreprocessing from(Preprocessing p) {
        Map<String, String> m = p.params();
        try {
            return new ImagePreprocessing(p.kind(), Integer.parseInt(req(m, "size")), Integer.parseInt(req(m, "resize")),
                    req(m, "channels").equals("BGR"), Float.parseFloat(req(m, "scale")), floats(req(m, "mean")),
                    floats(req(m, "std")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("image preprocessing " + p.canonical() + " has a bad number: " + e.getMessage(), e);
        }
    }

    /** Normalises one RGB pixel value (0..255) of channel {@code rgbChannel} into output channel order. */
    public float normalise(float value, int outChannel) {
        return (value * scale - mean[outChannel]) / std[outChannel];
    }

    private static String req(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("image preprocessing lacks '" + key + "' in " + m);
        }
        return v;
    }

    private static String join(float[] v) {
        return v[0] + "," + v[1] + "," + v[2];
    }

    private static float[] floats(String s) {
        String[] p = s.split(",");
        if (p.length != 3) {
            throw new IllegalArgumentException("expected three comma-separated values, got '" + s + "'");
        }
        return new float[] {Float.parseFloat(p[0].trim()), Float.parseFloat(p[1].trim()), Float.parseFloat(p[2].trim())};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessing q && q.toPreprocessing().equals(toPreprocessing());
    }

    @Override
    public int hashCode() {
        return toPreprocessing().hashCode();
    }

    @Override
    public String toString() {
        return toPreprocessing().canonical();
    }
}
