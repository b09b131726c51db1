package dev.graft.vision.image;

/**
 * A decoded image: RGB values 0..255 as floats, row-major HWC.
 */
public record RgbImage(int width, int height, float[] pixels) {
    public RgbImage {
        if (width < 1 || height < 1 || pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("image " + width + "x" + height + " needs " + (long) width * height * 3
                    + " values, got " + pixels.length);
        }
    }

    public float get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c];
    }

    /** From a java.awt image (any type; alpha is dropped). */
    public static RgbImage of(java.awt.image.BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] p = new float[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            p[3 * i] = (argb[i] >> 16) & 0xff;
            p[3 * i + 1] = (argb[i] >> 8) & 0xff;
            p[3 * i + 2] = argb[i] & 0xff;
        }
        return new RgbImage(w, h, p);
    }
}
