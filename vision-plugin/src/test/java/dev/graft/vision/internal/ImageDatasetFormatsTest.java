package dev.graft.vision.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.BadImageException;
import dev.graft.vision.image.BadImagePolicy;
import dev.graft.vision.image.ImageDatasets;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDatasetFormatsTest {
    @TempDir
    Path dir;

    private Path folder() throws Exception {
        Path root = dir.resolve("data");
        for (String label : List.of("cat", "dog")) {
            Files.createDirectories(root.resolve(label));
            for (int i = 0; i < 3; i++) {
                png(root.resolve(label).resolve(i + ".png"));
            }
        }
        Files.writeString(root.resolve("cat").resolve(".DS_Store"), "x");
        return root;
    }

    private static Path png(Path p) throws Exception {
        return dev.graft.vision.image.ImageDecoderTest.png(p, 8, 8, Color.GREEN);
    }

    @Test
    void formatsAreFoundByServiceLoader() {
        List<String> ids = ServiceLoader.load(DatasetFormat.class).stream().map(p -> p.get().id()).toList();
        assertThat(ids).contains("image-folder", "image-csv");
    }

    @Test
    void folderPerClassGivesLabelledExamplesAndIgnoresHiddenFiles() throws Exception {
        Path root = folder();
        ImageFolderFormat f = new ImageFolderFormat();
        assertThat(f.accepts(root)).isTrue();
        DatasetFormat.Result r = f.read(root, Map.of());
        assertThat(r.problems()).isEmpty();
        assertThat(r.examples()).hasSize(6);
        assertThat(r.examples()).extracting(Example::label).containsExactly("cat", "cat", "cat", "dog", "dog", "dog");
        assertThat(r.examples().get(0).input()).isEqualTo(root.resolve("cat").resolve("0.png"));
    }

    @Test
    void badFilesFailTheLoadListingEveryOneByDefault() throws Exception {
        Path root = folder();
        Path cut = root.resolve("dog").resolve("cut.png");
        byte[] b = Files.readAllBytes(root.resolve("dog").resolve("0.png"));
        Files.write(cut, java.util.Arrays.copyOf(b, 40));
        Path notes = Files.writeString(root.resolve("cat").resolve("notes.txt"), "hello");
        ImageFolderFormat f = new ImageFolderFormat();
        assertThatThrownBy(() -> ImageDatasets.load(f, root, Map.of(), BadImagePolicy.FAIL))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("2 bad image(s)")
                .hasMessageContaining(cut.toString())
                .hasMessageContaining(notes.toString());
        ImageDatasets.Loaded skipped = ImageDatasets.load(f, root, Map.of(), BadImagePolicy.SKIP);
        assertThat(skipped.examples()).hasSize(6);
        assertThat(skipped.skipped()).hasSize(2);
    }

    @Test
    void aBadImageIsNamedOnceAndFormatsAreListedOnceEach() throws Exception {
        Path root = folder();
        Path notes = Files.writeString(root.resolve("cat").resolve("notes.png"), "hello, not a picture");
        DatasetFormat.Result r = new ImageFolderFormat().read(root, Map.of());
        assertThat(r.problems()).hasSize(1);
        String p = r.problems().get(0).toString();
        assertThat(p).startsWith(notes + ": not a recognised image format (supported: ");
        assertThat(p.indexOf(notes.toString())).isEqualTo(p.lastIndexOf(notes.toString()));
        String list = p.substring(p.indexOf("supported: ") + 11, p.lastIndexOf(')'));
        List<String> names = List.of(list.split(", "));
        assertThat(names).contains("png", "jpeg").doesNotHaveDuplicates().isSorted()
                .allSatisfy(n -> assertThat(n).isEqualTo(n.toLowerCase(java.util.Locale.ROOT)));
    }

    @Test
    void csvResolvesRelativePathsAndNamesBadLines() throws Exception {
        Path root = folder();
        Path csv = dir.resolve("train.csv");
        Files.writeString(csv, "path,label\n"
                + "data/cat/0.png,cat\n"
                + "\"data/dog/1.png\",dog\n"
                + "data/dog/missing.png,dog\n"
                + "only-one-field\n"
                + "data/cat/1.png,\n");
        ImageCsvFormat f = new ImageCsvFormat();
        assertThat(f.accepts(csv)).isTrue();
        DatasetFormat.Result r = f.read(csv, Map.of());
        assertThat(r.examples()).extracting(Example::label).containsExactly("cat", "dog");
        assertThat(r.examples().get(1).input()).isEqualTo(root.resolve("dog").resolve("1.png"));
        assertThat(r.problems()).extracting(DatasetFormat.Problem::toString).satisfiesExactly(
                p -> assertThat(p).contains("train.csv:4").contains("missing.png").contains("no such file"),
                p -> assertThat(p).contains("train.csv:5").contains("expected 2 fields"),
                p -> assertThat(p).contains("train.csv:6").contains("empty label"));
    }

    @Test
    void csvWithoutHeaderIsNotAcceptedAndUnknownOptionsAreRejected() throws Exception {
        Path csv = Files.writeString(dir.resolve("x.csv"), "text,label\nhello,1\n");
        assertThat(new ImageCsvFormat().accepts(csv)).isFalse();
        assertThatThrownBy(() -> new ImageFolderFormat().read(folder(), Map.of("verfy", "full")))
                .hasMessageContaining("unknown option 'verfy'");
    }
}
