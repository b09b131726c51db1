package dev.graft.crossengine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A small generated image set written as real PNG files, one folder per class: discs, horizontal
 * stripes and checkerboards, each with a random colour, position or phase and pixel noise.
 */
final class ShapeImages {
    static final List<String> CLASSES = List.of("checker", "disc", "stripes");
    static final int SIDE = 40;

    private ShapeImages() {
    }

    /** Writes {@code perClass} images of every class into {@code root/<class>/<i>.png}. */
    static Path write(Path root, int perClass, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        for (String c : CLASSES) {
            Path dir = Files.createDirectories(root.resolve(c));
            for (int i = 0; i < perClass; i++) {
                if (!ImageIO.write(draw(c, r), "png", dir.resolve(i + ".png").toFile())) {
                    throw new IOException("no PNG writer");
                }
            }
        }
        return root;
    }

    static BufferedImage draw(String shape, SplittableRandom r) {
        BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        int[] fg = {80 + r.nextInt(176), 80 + r.nextInt(176), 80 + r.nextInt(176)};
        int[] bg = {r.nextInt(60), r.nextInt(60), r.nextInt(60)};
        int cx = 12 + r.nextInt(SIDE - 24);
        int cy = 12 + r.nextInt(SIDE - 24);
        int rad = 7 + r.nextInt(6);
        int period = 6 + r.nextInt(4);
        int phase = r.nextInt(period);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                boolean on = switch (shape) {
                    case "disc" -> (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad;
                    case "stripes" -> ((y + phase) / (period / 2)) % 2 == 0;
                    case "checker" -> (((x + phase) / (period / 2)) + ((y + phase) / (period / 2))) % 2 == 0;
                    default -> throw new IllegalArgumentException(shape);
                };
                int[] c = on ? fg : bg;
                int rgb = 0;
                for (int k = 0; k < 3; k++) {
                    int v = Math.max(0, Math.min(255, c[k] + (int) (r.nextGaussian() * 12)));
                    rgb = (rgb << 8) | v;
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }
}
