package dev.graft.reliability.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.reliability.support.Files2;
import dev.graft.reliability.support.Fuzz;
import dev.graft.reliability.support.Images;
import dev.graft.vision.image.BadImageException;
import dev.graft.vision.image.ImageDecoder;
import dev.graft.vision.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images whose headers claim enormous sizes are refused from the header, before pixel memory is
 * allocated; a decompression bomb under the limit costs a bounded, measured amount of memory;
 * mutated PNG/JPEG/BMP/GIF files decode or fail with {@link BadImageException} naming the file.
 */
class HostileImageTest {
    @TempDir
    Path dir;

    @Test
    void headersClaimingEnormousSizesAreRefusedBeforeDecoding() throws Exception {
        Path huge = Files.write(dir.resolve("huge.png"), Images.blackPng(100_000, 100_000, false));
        long before = Files2.allocatedBytes();
        assertThatThrownBy(() -> new ImageDecoder().decode(huge)).isInstanceOf(BadImageException.class)
                .hasMessageStartingWith(huge.toString()).hasMessageContaining("100000x100000 = 10000000000 pixels")
                .hasMessageContaining("refused before decoding");
        assertThat(Files2.allocatedBytes() - before).as("bytes allocated refusing a 10-gigapixel header").isLessThan(16L << 20);
        Path wide = Files.write(dir.resolve("wide.png"), Images.blackPng(Integer.MAX_VALUE, 1, false));
        assertThatThrownBy(() -> new ImageDecoder().decode(wide)).isInstanceOf(BadImageException.class)
                .hasMessageStartingWith(wide.toString());
    }

    @Test
    void decompressionBombCostsBoundedMemoryAndALowerLimitRefusesIt() throws Exception {
        int side = 4096;
        byte[] png = Images.blackPng(side, side, true);
        Path bomb = Files.write(dir.resolve("bomb.png"), png);
        assertThat(png.length).isLessThan(100_000);
        long before = Files2.allocatedBytes();
        RgbImage img = new ImageDecoder().decode(bomb);
        long allocated = Files2.allocatedBytes() - before;
        assertThat(img.width()).isEqualTo(side);
        double perPixel = (double) allocated / ((long) side * side);
        System.out.printf("decompression bomb: %d-byte PNG -> %dx%d, %d bytes allocated (%.1f bytes/pixel); at the default "
                + "limit of %d pixels that is %.2f GB%n", png.length, side, side, allocated, perPixel,
                ImageDecoder.DEFAULT_MAX_PIXELS, perPixel * ImageDecoder.DEFAULT_MAX_PIXELS / 1e9);
        assertThat(perPixel).as("bytes allocated per decoded pixel").isLessThan(40);
        long before2 = Files2.allocatedBytes();
        assertThatThrownBy(() -> new ImageDecoder(1L << 20).decode(bomb)).isInstanceOf(BadImageException.class)
                .hasMessageContaining("more than the limit of 1048576");
        assertThat(Files2.allocatedBytes() - before2).isLessThan(16L << 20);
    }

    static List<byte[]> seeds() throws Exception {
        BufferedImage im = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(3);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                im.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        List<byte[]> out = new ArrayList<>();
        for (String fmt : List.of("png", "jpg", "bmp", "gif")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            assertThat(ImageIO.write(im, fmt, b)).as(fmt).isTrue();
            out.add(b.toByteArray());
        }
        return out;
    }

    @Test
    void mutatedImagesDecodeOrFailWithBadImageException() throws Exception {
        ImageDecoder dec = new ImageDecoder();
        Fuzz.Report rep = Fuzz.run("image", seeds(), Integer.getInteger("graft.fuzz.cases", 1500), 11, dir, ".img",
                BadImageException.class, dec::decode, null, 10_000);
        System.out.println(rep.summary());
        rep.kinds().forEach((k, n) -> System.out.println(n + " x " + k));
        assertThat(rep.kinds()).as(rep.summary()).isEmpty();
    }
}
