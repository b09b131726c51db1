package dev.graft.vision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ImageDecoderTest {
    @TempDir
    Path dir;

    public static Path png(Path file, int w, int h, Color c) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void decodesThroughDjlImageFactoryHeadless() throws Exception {
        RgbImage img = new ImageDecoder().decode(png(dir.resolve("a.png"), 7, 5, new Color(200, 100, 50)));
        assertThat(img.width()).isEqualTo(7);
        assertThat(img.height()).isEqualTo(5);
        assertThat(img.get(3, 2, 0)).isEqualTo(200f);
        assertThat(img.get(3, 2, 1)).isEqualTo(100f);
        assertThat(img.get(3, 2, 2)).isEqualTo(50f);
        assertThat(ai.djl.modality.cv.ImageFactory.getInstance()).isInstanceOf(ai.djl.modality.cv.BufferedImageFactory.class);
    }

    @Test
    void truncatedAndGarbageFilesAreReportedWithTheirPath() throws Exception {
        Path good = png(dir.resolve("good.png"), 64, 64, Color.RED);
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, java.util.Arrays.copyOf(bytes, 60));
        Path garbage = Files.write(dir.resolve("noise.jpg"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        ImageDecoder d = new ImageDecoder();
        assertThatThrownBy(() -> d.decode(cut)).isInstanceOf(BadImageException.class).hasMessageContaining(cut.toString())
                .satisfies(e -> assertThat(((BadImageException) e).path()).isEqualTo(cut.toString()));
        assertThatThrownBy(() -> d.decode(garbage)).isInstanceOf(BadImageException.class)
                .hasMessageContaining(garbage.toString()).hasMessageContaining("not a recognised image format");
        assertThatThrownBy(() -> d.decode(dir.resolve("missing.png"))).hasMessageContaining("no such file");
    }

    @Test
    void imagesOverThePixelLimitAreRefusedFromTheHeader() throws Exception {
        Path p = png(dir.resolve("big.png"), 50, 40, Color.BLUE);
        assertThatThrownBy(() -> new ImageDecoder(1000).decode(p)).isInstanceOf(BadImageException.class)
                .hasMessageContaining("50x40").hasMessageContaining("refused before decoding");
    }

    /** A valid PNG whose header claims 100000 x 100000 pixels (40 GB decoded) but holds a few bytes. */
    @Test
    void decompressionBombIsRefusedBeforeAnyPixelIsAllocated() throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(100_000).putInt(100_000).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", new byte[] {0x78, 1, 1, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 1});
        chunk(png, "IEND", new byte[0]);
        Path bomb = Files.write(dir.resolve("bomb.png"), png.toByteArray());
        assertThatThrownBy(() -> new ImageDecoder().decode(bomb)).isInstanceOf(BadImageException.class)
                .hasMessageContaining("100000x100000").hasMessageContaining(bomb.toString());
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
