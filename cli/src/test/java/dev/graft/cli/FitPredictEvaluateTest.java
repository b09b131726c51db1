package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fit writes a model and a report; predict and evaluate read the model back. */
class FitPredictEvaluateTest {
    @TempDir
    static Path dir;
    static Path model;
    static CliRun fit;

    @BeforeAll
    static void fit() throws Exception {
        Path train = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 30, 0, 1);
        model = dir.resolve("model");
        fit = CliRun.of("fit", "-b", "hashed-words", "-s", "fine-tuning", "-d", train.toString(), "--epochs", "25",
                "--lr", "1e-2", "--batch-size", "16", "--cache-dir", dir.resolve("cache").toString(), "-o", model.toString());
    }

    @Test
    void fitSavesAModelAndReportsValidationFigures() {
        assertThat(fit.exit()).as(fit.toString()).isZero();
        assertThat(model.resolve("manifest.json")).exists();
        assertThat(model.resolve("weights.safetensors")).exists();
        assertThat(fit.out()).contains("validation: loss").contains("trainable parameters").contains("report: ");
    }

    @Test
    void reportHasEverySectionAndValidPngCharts() throws Exception {
        Path report = model.resolve("report");
        String html = Files.readString(report.resolve("index.html"));
        assertThat(html).contains("<h2>Results</h2>").contains("Plan").contains("Learning curves").contains("Confusion matrix")
                .contains("Per-class precision and recall").contains("Time per phase").contains("<h2>Environment</h2>")
                .contains("tensorflow").contains("cores").contains("editors").contains("validation accuracy");
        List<Path> pngs;
        try (Stream<Path> s = Files.list(report)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
        }
        assertThat(pngs).hasSize(2);
        for (Path p : pngs) {
            assertThat(html).contains(p.getFileName().toString());
            BufferedImage img = ImageIO.read(p.toFile());
            assertThat(img).as(p.toString()).isNotNull();
            assertThat(img.getWidth()).isEqualTo(640);
            assertThat(img.getHeight()).isEqualTo(400);
        }
    }

    @Test
    void predictReadsTextArgumentsAndWritesJsonLines() {
        CliRun r = CliRun.of("predict", "-m", model.toString(), "vim emacs text editor with syntax highlighting",
                "imap smtp mail delivery to the inbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("{\"source\":\"arg:1\"").contains("\"label\":\"editors\"").contains("\"scores\":{");
        assertThat(lines[1]).contains("\"label\":\"mail\"");
    }

    @Test
    void predictRefusesEmptyTextsAsFitDoes() throws Exception {
        CliRun r = CliRun.of("predict", "-m", model.toString(), "mail server", " ");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("arg:2: empty text");
        assertThat(r.out()).isEmpty();
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n");
        CliRun f = CliRun.of("predict", "-m", model.toString(), "--files", empty.toString());
        assertThat(f.exit()).as(f.toString()).isEqualTo(2);
        assertThat(f.err()).contains(empty + ": empty text");
    }

    @Test
    void predictReadsStdinLinesAndFiles() throws Exception {
        var in = System.in;
        try {
            System.setIn(new ByteArrayInputStream("arcade game with levels and sprites\n\nspam in the mailbox\n"
                    .getBytes(StandardCharsets.UTF_8)));
            CliRun r = CliRun.of("predict", "-m", model.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out().strip().split("\n")).hasSize(2);
            assertThat(r.out()).contains("\"source\":\"stdin:1\"").contains("\"label\":\"games\"").contains("\"source\":\"stdin:3\"");
        } finally {
            System.setIn(in);
        }
        Path doc = Files.writeString(dir.resolve("doc.txt"), "a puzzle game with a score");
        CliRun f = CliRun.of("predict", "-m", model.toString(), "--files", doc.toString());
        assertThat(f.exit()).as(f.toString()).isZero();
        assertThat(f.out()).contains("\"source\":\"" + doc + "\"").contains("\"label\":\"games\"");
        CliRun missing = CliRun.of("predict", "-m", model.toString(), "--files", dir.resolve("gone.txt").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains(dir.resolve("gone.txt") + ": no such file");
    }

    @Test
    void evaluateOnHeldOutDataPrintsMetricsAndConfusionMatrix() throws Exception {
        Path test = StatusFiles.write(dir.resolve("test-status"), List.of("editors", "mail", "games"), 10, 0, 99);
        CliRun r = CliRun.of("evaluate", "-m", model.toString(), "-d", test.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("examples 30, accuracy").contains("confusion matrix").contains("precision")
                .contains("F1  support").contains("        editors games mail");
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy ([0-9.]+),.*", "$1"));
        assertThat(acc).as(r.out()).isGreaterThan(0.8);
        CliRun j = CliRun.of("evaluate", "-m", model.toString(), "-d", test.toString(), "--json");
        assertThat(j.exit()).as(j.toString()).isZero();
        assertThat(j.out().strip()).startsWith("{\"task\":\"classification\",\"examples\":30,")
                .contains("\"labels\":[\"editors\",\"games\",\"mail\"]").contains("\"confusion_matrix\":[[")
                .doesNotContain("\n");
        double jsonAcc = Double.parseDouble(j.out().replaceAll("(?s).*\"accuracy\":([0-9.]+),.*", "$1"));
        assertThat(jsonAcc).isCloseTo(acc, org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void exportWritesATensorFlowSavedModel() throws Exception {
        Path out = dir.resolve("serving").resolve("1");
        CliRun r = CliRun.of("export", "-m", model.toString(), "-o", out.toString(), "--engine", "tensorflow");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(out.resolve("saved_model.pb")).exists();
        assertThat(out.resolve("variables")).isDirectory();
        CliRun again = CliRun.of("export", "-m", model.toString(), "-o", out.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("not empty");
    }
}
