package dev.graft.vision.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.RgbImage;
import dev.graft.vision.internal.IdxFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistNpmToIdxTest {
    @TempDir
    Path dir;

    /** Pixel p of image i of digit d, as the npm package stores it: a byte / 255 printed with three decimals. */
    private static int pixel(int d, int i, int p) {
        return (d * 31 + i * 7 + p) % 256;
    }

    /** The package layout ({@code src/digits/N.json}) with {@code 3 + d % 2} images of digit d. */
    private Path writePackage() throws Exception {
        Path digits = Files.createDirectories(dir.resolve("package/src/digits"));
        for (int d = 0; d <= 9; d++) {
            StringBuilder sb = new StringBuilder("{ \"data\": [");
            int n = 3 + d % 2;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < 784; p++) {
                    sb.append(i + p == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", pixel(d, i, p) / 255.0)
                            .replaceAll("0+$", "").replaceAll("\\.$", ""));
                }
            }
            Files.writeString(digits.resolve(d + ".json"), sb.append("]}").toString());
        }
        return dir.resolve("package");
    }

    @Test
    void convertsEveryDigitToIdxFilesTheIdxFormatReadsByteForByte() throws Exception {
        Path out = dir.resolve("idx");
        int[] counts = MnistNpmToIdx.convert(writePackage(), out, 1);
        assertThat(counts).containsExactly(25, 10); // 5 digits with 3 images and 5 with 4, the last of each held out
        IdxFormat format = new IdxFormat();
        DatasetFormat.Result train = format.read(out, Map.of("split", "train"));
        DatasetFormat.Result test = format.read(out, Map.of("split", "test"));
        assertThat(train.problems()).isEmpty();
        assertThat(train.examples()).hasSize(25);
        assertThat(test.examples()).extracting(Example::label).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        // digits 0, 1, 2 keep 2, 3, 2 train images (items 0-6); digit 3 has 4: train items 7-9, then test item 3
        Example e = train.examples().get(8);
        assertThat(e.label()).isEqualTo("3");
        RgbImage img = (RgbImage) e.input();
        assertThat(img.width()).isEqualTo(28);
        assertThat(img.height()).isEqualTo(28);
        for (int p = 0; p < 784; p += 37) {
            assertThat(img.get(p % 28, p / 28, 0)).as("pixel %d", p).isEqualTo((float) pixel(3, 1, p));
        }
        RgbImage last = (RgbImage) test.examples().get(3).input();
        assertThat(last.get(5, 2, 1)).isEqualTo((float) pixel(3, 3, 2 * 28 + 5));
    }

    @Test
    void refusesFilesThatAreNotWholeImagesOrPixelsNamingTheFile() throws Exception {
        Path pkg = writePackage();
        Path three = pkg.resolve("src/digits/3.json");
        Files.writeString(three, "{\"data\": [0.5, 0.25]}");
        assertThatThrownBy(() -> MnistNpmToIdx.convert(pkg, dir.resolve("o"), 1)).hasMessageContaining("3.json")
                .hasMessageContaining("2 values, not a positive multiple of 784");
        Files.writeString(three, "{\"data\": [" + "0,".repeat(783) + "1.5]}");
        assertThatThrownBy(() -> MnistNpmToIdx.convert(pkg, dir.resolve("o"), 0)).hasMessageContaining("3.json")
                .hasMessageContaining("value 783 (1.5) is outside [0, 1]");
        Files.writeString(three, "{\"data\": [" + "0,".repeat(783) + "x]}");
        assertThatThrownBy(() -> MnistNpmToIdx.convert(pkg, dir.resolve("o"), 0)).hasMessageContaining("('x') is not a number");
        Files.writeString(three, "{\"pixels\": []}");
        assertThatThrownBy(() -> MnistNpmToIdx.convert(pkg, dir.resolve("o"), 0)).hasMessageContaining("no \"data\"");
        assertThatThrownBy(() -> MnistNpmToIdx.convert(dir.resolve("nowhere"), dir.resolve("o"), 0))
                .hasMessageContaining("no digits/0.json");
    }

    @Test
    void refusesHoldingOutEveryImageOfADigit() throws Exception {
        assertThatThrownBy(() -> MnistNpmToIdx.convert(writePackage(), dir.resolve("o"), 3)).hasMessageContaining("0.json")
                .hasMessageContaining("3 images, not more than the 3 kept for testing");
    }
}
