package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image runs with bad files under bad-images=fail|skip in fit, evaluate and predict; the warning of a
 * backbone with no pretrained weights; a saved model as a backbone; what 'graft list' says of weights.
 */
class BadImagesAndWeightsStatusTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;
    static CliRun fit;

    static Path png(Path file, int rgb, long seed) throws Exception {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, rgb ^ r.nextInt(0x202020));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @BeforeAll
    static void fitSkippingBadFiles() throws Exception {
        data = dir.resolve("images");
        for (int i = 0; i < 6; i++) {
            png(data.resolve("red/r" + i + ".png"), 0xd02020, i);
            png(data.resolve("blue/b" + i + ".png"), 0x2020d0, 100 + i);
        }
        Files.write(data.resolve("red/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Files.writeString(data.resolve("blue/notes.txt"), "not an image");
        model = dir.resolve("model");
        fit = CliRun.of("fit", "-b", "resnet18", "-B", "width=4", "-B", "size=16", "-s", "fine-tuning", "-d", data.toString(),
                "-D", "bad-images=skip", "--epochs", "1", "--batch-size", "4", "--cache-dir", dir.resolve("cache").toString(),
                "-o", model.toString());
    }

    @Test
    void fitSkipsBadFilesListingEachWithItsReasonAndCountsThemInTheReport() throws Exception {
        assertThat(fit.exit()).as(fit.toString()).isZero();
        assertThat(fit.err()).contains("skipped 2 bad file(s) (bad-images=skip)")
                .containsPattern("skipped .*broken\\.png: ").containsPattern("skipped .*notes\\.txt: not an image file");
        assertThat(Files.readString(model.resolve("report/index.html"))).contains("2 bad file(s) skipped");
    }

    @Test
    void aBackboneWithoutPretrainedWeightsWarnsThatItTrainsFromScratch() throws Exception {
        assertThat(fit.err()).contains("WARNING: backbone 'resnet18' has no pretrained weights")
                .contains("this is training from scratch").contains("-B weights=<file>").contains("model:<dir>");
        assertThat(Files.readString(model.resolve("report/index.html"))).contains("this is training from scratch");
    }

    @Test
    void fitFailsOnBadFilesByDefaultAndRefusesAnUnknownPolicy() {
        CliRun r = CliRun.of("fit", "-b", "resnet18", "-B", "width=4", "-B", "size=16", "-d", data.toString(), "-o",
                dir.resolve("m1").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("2 bad record(s)").contains("broken.png").contains("notes.txt").contains("bad-images=skip");
        CliRun u = CliRun.of("fit", "-b", "resnet18", "-d", data.toString(), "-D", "bad-images=nosuch", "-o",
                dir.resolve("m2").toString());
        assertThat(u.exit()).as(u.toString()).isEqualTo(2);
        assertThat(u.err()).contains("unknown bad-images policy 'nosuch'; valid: fail, skip");
        CliRun p = CliRun.of("predict", "-m", model.toString(), "--bad-images", "sometimes", "x.png");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.err()).contains("unknown bad-images policy 'sometimes'; valid: fail, skip");
    }

    @Test
    void evaluateSkipsBadFilesAndSaysHowMany() {
        CliRun e = CliRun.of("evaluate", "-m", model.toString(), "-d", data.toString(), "-D", "bad-images=skip");
        assertThat(e.exit()).as(e.toString()).isZero();
        assertThat(e.out()).contains("examples: 12 (2 bad file(s) skipped");
        assertThat(e.err()).containsPattern("skipped .*broken\\.png");
        CliRun f = CliRun.of("evaluate", "-m", model.toString(), "-d", data.toString());
        assertThat(f.exit()).isEqualTo(2);
        assertThat(f.err()).contains("broken.png");
    }

    @Test
    void predictAnswersEveryGoodFileAndReportsEachBadOneOnItsOwnLine() {
        String good = data.resolve("red/r0.png").toString();
        String broken = data.resolve("red/broken.png").toString();
        String missing = dir.resolve("gone.png").toString();
        String good2 = data.resolve("blue/b1.png").toString();
        CliRun s = CliRun.of("predict", "-m", model.toString(), "--bad-images", "skip", good, broken, missing, good2);
        assertThat(s.exit()).as(s.toString()).isEqualTo(1);
        String[] lines = s.out().strip().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("{\"source\":\"" + good + "\"").contains("\"label\":");
        assertThat(lines[1]).startsWith("{\"source\":\"" + broken + "\",\"error\":").doesNotContain("\"label\"");
        assertThat(lines[2]).isEqualTo("{\"source\":\"" + missing + "\",\"error\":\"no such file\"}");
        assertThat(lines[3]).startsWith("{\"source\":\"" + good2 + "\"").contains("\"label\":");
        assertThat(s.err()).contains("2 of 4 input(s) could not be predicted");
        CliRun f = CliRun.of("predict", "-m", model.toString(), good, broken, missing);
        assertThat(f.exit()).as(f.toString()).isEqualTo(2);
        assertThat(f.out()).isEmpty();
        assertThat(f.err()).contains("2 of 3 input(s) cannot be predicted").contains("\n  " + broken + ": ")
                .contains("\n  " + missing + ": no such file");
    }

    @Test
    void aSavedModelIsABackboneAndTransfersWithoutTheScratchWarning() {
        assertThat(fit.exit()).isZero();
        Path second = dir.resolve("second");
        CliRun r = CliRun.of("fit", "-b", "model:" + model.toAbsolutePath(), "-s", "hybrid", "-S", "cut=layer3", "-d",
                data.toString(), "-D", "bad-images=skip", "--epochs", "1", "--batch-size", "4", "--cache-dir",
                dir.resolve("cache").toString(), "-o", second.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).doesNotContain("training from scratch");
        CliRun p = CliRun.of("predict", "-m", second.toString(), data.resolve("blue/b2.png").toString());
        assertThat(p.exit()).as(p.toString()).isZero();
        assertThat(p.out()).contains("\"label\":");
        CliRun bad = CliRun.of("fit", "-b", "model:" + dir.resolve("nothing-here"), "-d", data.toString(), "-D",
                "bad-images=skip", "--epochs", "1", "-o", dir.resolve("m3").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("nothing-here").contains("not a directory");
    }

    @Test
    void robertaWithoutItsFilesSaysHowToProvideThem() throws Exception {
        Path text = StatusFiles.write(dir.resolve("status"), java.util.List.of("editors", "mail"), 4, 0, 1);
        CliRun r = CliRun.of("fit", "-b", "roberta-base", "-d", text.toString(), "-o", dir.resolve("m4").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("backbone 'roberta-base' needs its files (no weights= given)")
                .contains("FacebookAI/roberta-base").contains("-B weights=model.safetensors -B tokenizer=tokenizer.json")
                .contains("pretrained=false");
    }

    @Test
    void listSaysWhereEachBackbonesWeightsComeFrom() {
        CliRun r = CliRun.of("list");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("resnet18 .*\\n +pretrained weights: your files \\(keras-h5, safetensors, savedmodel, onnx\\)")
                .containsPattern("bert-base-uncased .*\\n +pretrained weights: bundled")
                .containsPattern("roberta-base .*\\n +pretrained weights: your files \\(safetensors\\)\\. No package")
                .containsPattern("bert-tiny .*\\n +pretrained weights: random")
                .containsPattern("model:<dir> .*\\n +pretrained weights: from a saved Graft model");
    }
}
