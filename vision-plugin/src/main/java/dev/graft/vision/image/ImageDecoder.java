package dev.graft.vision.image;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files through DJL's {@link ImageFactory} (on the class or module path that is
 * DJL's {@code BufferedImageFactory}: ImageIO, headless, offline). Before decoding, the header is
 * read to learn the dimensions, and an image larger than {@code maxPixels} is refused before any
 * pixel memory is allocated.
 */
public final class ImageDecoder {
    /** 64 megapixels: far above any training image, far below what would exhaust the heap. */
    public static final long DEFAULT_MAX_PIXELS = 64L * 1024 * 1024;
    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** Image dimensions from the header only; fails if the file is unreadable, not an image or too large. */
    public int[] probe(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadImageException(file.toString(), "no such file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new BadImageException(file.toString(), "cannot be opened");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException(file.toString(), "not a recognised image format (supported: "
                        + String.join(", ", formats()) + ")");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                int w = r.getWidth(0);
                int h = r.getHeight(0);
                if (w < 1 || h < 1) {
                    throw new BadImageException(file.toString(), "header gives an empty image " + w + "x" + h);
                }
                if ((long) w * h > maxPixels) {
                    throw new BadImageException(file.toString(), "image is " + w + "x" + h + " = " + (long) w * h
                            + " pixels, more than the limit of " + maxPixels + "; refused before decoding");
                }
                return new int[] {w, h};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadImageException b) {
                throw b;
            }
            throw new BadImageException(file.toString(), "unreadable image header: " + e.getMessage(), e);
        }
    }

    /** The image formats ImageIO reads here, lower case, each once ({@code bmp, gif, jpeg, jpg, png, ...}). */
    public static java.util.SortedSet<String> formats() {
        java.util.SortedSet<String> names = new java.util.TreeSet<>();
        for (String n : ImageIO.getReaderFormatNames()) {
            names.add(n.toLowerCase(java.util.Locale.ROOT));
        }
        return names;
    }

    /** Checks the header, then decodes the whole image. */
    public RgbImage decode(Path file) {
        probe(file);
        Image img;
        try {
            img = ImageFactory.getInstance().fromFile(file);
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(file.toString(), "corrupt or unreadable image: " + e.getMessage(), e);
        }
        Object wrapped = img.getWrappedImage();
        if (!(wrapped instanceof BufferedImage bi)) {
            throw new BadImageException(file.toString(), "image factory " + ImageFactory.getInstance().getClass().getName()
                    + " did not give a java.awt image");
        }
        return RgbImage.of(bi);
    }
}
