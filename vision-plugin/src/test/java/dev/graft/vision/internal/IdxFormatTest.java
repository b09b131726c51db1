package dev.graft.vision.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFormatTest {
    @TempDir
    Path dir;

    private final IdxFormat format = new IdxFormat();

    /** An IDX file: 00 00 type rank, big-endian dims, the values. */
    static byte[] idx(int type, int[] dims, byte[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(values);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(data);
        }
        return bos.toByteArray();
    }

    /** n images of 3 rows x 2 columns: pixel (r, c) of image i is 10 i + 2 r + c; label i % 3. */
    private Path write(String prefix, int n, boolean gz) throws IOException {
        byte[] px = new byte[n * 6];
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 6; p++) {
                px[i * 6 + p] = (byte) (10 * i + p);
            }
            lab[i] = (byte) (i % 3);
        }
        String ext = gz ? ".gz" : "";
        byte[] a = idx(8, new int[] {n, 3, 2}, px);
        byte[] l = idx(8, new int[] {n}, lab);
        Path images = dir.resolve(prefix + "-images-idx3-ubyte" + ext);
        Files.write(images, gz ? gzip(a) : a);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gz ? gzip(l) : l);
        return images;
    }

    @Test
    void readsImagesAndLabelsPixelForPixelPlainOrGzipped() throws Exception {
        for (boolean gz : new boolean[] {false, true}) {
            Path images = write(gz ? "gz" : "plain", 7, gz);
            DatasetFormat.Result r = format.read(images, Map.of());
            assertThat(r.problems()).isEmpty();
            assertThat(r.examples()).hasSize(7);
            Example e = r.examples().get(4);
            assertThat(e.label()).isEqualTo("1");
            assertThat(e.source()).isEqualTo(images.getFileName() + "#4");
            RgbImage img = (RgbImage) e.input();
            assertThat(img.width()).isEqualTo(2);
            assertThat(img.height()).isEqualTo(3);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 2; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertThat(img.get(x, y, c)).isEqualTo(40f + 2 * y + x);
                    }
                }
            }
        }
    }

    @Test
    void aFolderGivesTheTrainOrTestSplitAndIsDetected() throws Exception {
        write("train", 6, true);
        write("t10k", 4, true);
        assertThat(format.accepts(dir)).isTrue();
        assertThat(format.read(dir, Map.of()).examples()).hasSize(6);
        assertThat(format.read(dir, Map.of("split", "test")).examples()).hasSize(4);
        assertThatThrownBy(() -> format.read(dir, Map.of("split", "dev"))).hasMessageContaining("split must be train or test");
    }

    @Test
    void selectsClassesAndSomePerClassNamedAsAsked() throws Exception {
        Path images = write("train", 30, false);
        List<Example> e = format.read(images, Map.of("classes", "0,2", "per-class", "3")).examples();
        assertThat(e).extracting(Example::label).containsExactly("0", "2", "0", "2", "0", "2");
        assertThat(e).extracting(Example::source).first().isEqualTo("train-images-idx3-ubyte#0");
        List<Example> s1 = format.read(images, Map.of("per-class", "2", "seed", "1")).examples();
        List<Example> s2 = format.read(images, Map.of("per-class", "2", "seed", "2")).examples();
        assertThat(s1).hasSize(6);
        assertThat(s1).extracting(Example::source).isNotEqualTo(s2.stream().map(Example::source).toList());
        assertThat(format.read(images, Map.of("per-class", "2", "seed", "1")).examples()).extracting(Example::source)
                .isEqualTo(s1.stream().map(Example::source).toList());
        assertThat(format.read(images, Map.of("label-names", "fashion-mnist", "per-class", "1")).examples())
                .extracting(Example::label).containsExactly("T-shirt/top", "Trouser", "Pullover");
        assertThat(format.read(images, Map.of("label-names", "a,b,c", "per-class", "1")).examples()).extracting(Example::label)
                .containsExactly("a", "b", "c");
        assertThatThrownBy(() -> format.read(images, Map.of("label-names", "a,b"))).hasMessageContaining("label 2")
                .hasMessageContaining("labels-idx1");
        assertThatThrownBy(() -> format.read(images, Map.of("nosuch", "1"))).hasMessageContaining("nosuch")
                .hasMessageContaining("per-class");
        assertThatThrownBy(() -> format.read(images, Map.of("bad-images", "nosuch"))).hasMessageContaining("'fail' or 'skip'");
    }

    @Test
    void refusesBrokenFilesNamingThem() throws Exception {
        byte[] px = new byte[2 * 4];
        Path f = dir.resolve("x-images-idx3-ubyte");
        Files.write(dir.resolve("x-labels-idx1-ubyte"), idx(8, new int[] {2}, new byte[2]));
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining(f.toString()).hasMessageContaining("not an IDX file");
        Files.write(f, idx(0x0D, new int[] {2, 2, 2}, new byte[32]));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("type 0xd is not supported");
        Files.write(f, Arrays.copyOf(idx(8, new int[] {2, 2, 2}, px), 4 + 12 + 5));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining(f.toString()).hasMessageContaining("truncated");
        byte[] longer = Arrays.copyOf(idx(8, new int[] {2, 2, 2}, px), 4 + 12 + 9);
        Files.write(f, longer);
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("trailing data");
        Files.write(f, idx(8, new int[] {2, 0, 2}, new byte[0]));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("dimension 1 is 0");
        Files.write(f, idx(8, new int[] {2, 2}, new byte[4]));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("3 dimensions");
        Files.write(f, idx(8, new int[] {3, 2, 2}, new byte[12]));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("3 images but")
                .hasMessageContaining("2 labels");
        // a compressed file whose header claims ~2 GB: refused as truncated, without allocating what it claims
        Files.write(f, gzip(idx(8, new int[] {40000, 200, 250}, new byte[100])));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("truncated")
                .hasMessageContaining("2000000000 values");
        Files.write(f, idx(8, new int[] {1 << 20, 1 << 10, 1 << 10}, new byte[0]));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining("more values than one file can");
        byte[] gz = gzip(idx(8, new int[] {2, 2, 2}, px));
        Files.write(f, Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> format.read(f, Map.of())).hasMessageContaining(f.toString());
        Path noLabels = dir.resolve("y-images-idx3-ubyte");
        Files.write(noLabels, idx(8, new int[] {2, 2, 2}, px));
        assertThatThrownBy(() -> format.read(noLabels, Map.of())).hasMessageContaining("y-labels-idx1-ubyte")
                .hasMessageContaining("no such file");
    }
}
