package dev.graft.vision.image;

import java.util.SplittableRandom;

/**
 * Resize, crop, flip and normalise on {@link RgbImage}s in plain Java. Random transforms take an
 * explicit random source so a seed reproduces them.
 */
public final class ImageTransforms {
    private ImageTransforms() {
    }

    /** Bilinear resize (pixel centres aligned, as PIL/torchvision); box-filters first when shrinking a lot. */
    public static RgbImage resize(RgbImage src, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("cannot resize to " + width + "x" + height);
        }
        int fx = Math.max(1, src.width() / (2 * width));
        int fy = Math.max(1, src.height() / (2 * height));
        if (fx > 1 || fy > 1) {
            src = boxDown(src, fx, fy);
        }
        if (src.width() == width && src.height() == height) {
            return src;
        }
        float[] out = new float[width * height * 3];
        float sx = (float) src.width() / width;
        float sy = (float) src.height() / height;
        for (int y = 0; y < height; y++) {
            float fyy = Math.max(0, (y + 0.5f) * sy - 0.5f);
            int y0 = Math.min((int) fyy, src.height() - 1);
            int y1 = Math.min(y0 + 1, src.height() - 1);
            float wy = fyy - y0;
            for (int x = 0; x < width; x++) {
                float fxx = Math.max(0, (x + 0.5f) * sx - 0.5f);
                int x0 = Math.min((int) fxx, src.width() - 1);
                int x1 = Math.min(x0 + 1, src.width() - 1);
                float wx = fxx - x0;
                for (int c = 0; c < 3; c++) {
                    float top = src.get(x0, y0, c) * (1 - wx) + src.get(x1, y0, c) * wx;
                    float bot = src.get(x0, y1, c) * (1 - wx) + src.get(x1, y1, c) * wx;
                    out[(y * width + x) * 3 + c] = top * (1 - wy) + bot * wy;
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage boxDown(RgbImage s, int fx, int fy) {
        int w = s.width() / fx;
        int h = s.height() / fy;
        float[] out = new float[w * h * 3];
        float inv = 1f / (fx * fy);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    float sum = 0;
                    for (int dy = 0; dy < fy; dy++) {
                        for (int dx = 0; dx < fx; dx++) {
                            sum += s.get(x * fx + dx, y * fy + dy, c);
                        }
                    }
                    out[(y * w + x) * 3 + c] = sum * inv;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Resizes so the shorter side is {@code shorter}, keeping the aspect ratio. */
    public static RgbImage resizeShorter(RgbImage src, int shorter) {
        if (src.width() <= src.height()) {
            return resize(src, shorter, Math.max(1, Math.round((float) src.height() * shorter / src.width())));
        }
        return resize(src, Math.max(1, Math.round((float) src.width() * shorter / src.height())), shorter);
    }

    /** The {@code w x h} region at (x, y). */
    public static RgbImage crop(RgbImage src, int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > src.width() || y + h > src.height()) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + x + ", " + y + ") is outside the "
                    + src.width() + "x" + src.height() + " image");
        }
        float[] out = new float[w * h * 3];
        for (int r = 0; r < h; r++) {
            System.arraycopy(src.pixels(), ((y + r) * src.width() + x) * 3, out, r * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    /** The central {@code size x size} region (the image is first enlarged if smaller). */
    public static RgbImage centerCrop(RgbImage src, int size) {
        if (src.width() < size || src.height() < size) {
            src = resizeShorter(src, size);
        }
        return crop(src, (src.width() - size) / 2, (src.height() - size) / 2, size, size);
    }

    public static RgbImage flipHorizontal(RgbImage src) {
        int w = src.width();
        float[] out = new float[src.pixels().length];
        for (int y = 0; y < src.height(); y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src.pixels(), (y * w + x) * 3, out, (y * w + (w - 1 - x)) * 3, 3);
            }
        }
        return new RgbImage(w, src.height(), out);
    }

    /**
     * Inception-style random resized crop: a region of {@code [minScale, 1]} of the area and aspect
     * ratio in [3/4, 4/3], resized to {@code size x size} (ten tries, then the central crop).
     */
    public static RgbImage randomResizedCrop(RgbImage src, int size, double minScale, SplittableRandom rnd) {
        double area = (double) src.width() * src.height();
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + rnd.nextDouble() * (1 - minScale));
            double logRatio = Math.log(3.0 / 4) + rnd.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
            double ratio = Math.exp(logRatio);
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w >= 1 && h >= 1 && w <= src.width() && h <= src.height()) {
                int x = rnd.nextInt(src.width() - w + 1);
                int y = rnd.nextInt(src.height() - h + 1);
                return resize(crop(src, x, y, w, h), size, size);
            }
        }
        int s = Math.min(src.width(), src.height());
        return resize(crop(src, (src.width() - s) / 2, (src.height() - s) / 2, s, s), size, size);
    }

    /**
     * Writes the image normalised as {@code pre} says into {@code out} at {@code offset}, HWC in
     * the output channel order (BGR for caffe).
     */
    public static void normalise(RgbImage img, ImagePreprocessing pre, float[] out, int offset) {
        float[] p = img.pixels();
        int n = img.width() * img.height();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                int srcC = pre.bgr() ? 2 - c : c;
                out[offset + 3 * i + c] = pre.normalise(p[3 * i + srcC], c);
            }
        }
    }

    /** The evaluation transform: resize the shorter side, center crop. */
    public static RgbImage evaluation(RgbImage img, ImagePreprocessing pre) {
        return centerCrop(resizeShorter(img, pre.resize()), pre.size());
    }

    /** The training transform: random resized crop and a random horizontal flip. */
    public static RgbImage training(RgbImage img, ImagePreprocessing pre, double minScale, boolean flip, SplittableRandom rnd) {
        RgbImage out = randomResizedCrop(img, pre.size(), minScale, rnd);
        return flip && rnd.nextBoolean() ? flipHorizontal(out) : out;
    }
}
