package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** graft fit -o never silently replaces a model folder, and a second run into a locked one fails at once. */
class FitOutputFolderTest {
    @TempDir
    static Path dir;
    static Path train;

    @BeforeAll
    static void data() throws Exception {
        train = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 12, 0, 1);
    }

    private static CliRun fit(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("fit", "-b", "hashed-words", "-s", "fine-tuning", "-d", train.toString(),
                "--epochs", "2", "--batch-size", "16", "--cache-dir", dir.resolve("cache").toString(), "-o", out.toString()));
        a.addAll(List.of(more));
        return CliRun.of(a.toArray(String[]::new));
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void refusesANonEmptyModelFolderUnlessOverwriteAndReplacesItWhole() throws Exception {
        Path models = Files.createDirectories(dir.resolve("a"));
        Path m = models.resolve("model");
        CliRun first = fit(m);
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(m.resolve("weights.safetensors")).exists();
        assertThat(m.resolve("report").resolve("index.html")).exists();
        assertThat(first.out()).contains("report: " + m.toAbsolutePath().resolve("report"))
                .contains("stopped: completed after epoch 2").contains("(its weights restored)")
                .contains("validation loss was still falling at the last epoch");
        assertThat(first.err()).contains("settings: 2 epochs, batch 16, lr 0.001, Adam, schedule constant, early stopping on "
                + "val_loss (patience 3, best weights restored) (defaults for training a backbone with its head; options given win)");
        assertThat(names(models)).as("no temporary folder left beside the model").containsExactly(".model.lock", "model");
        byte[] weights = Files.readAllBytes(m.resolve("weights.safetensors"));

        CliRun again = fit(m, "--seed", "5");
        assertThat(again.exit()).as(again.toString()).isEqualTo(2);
        assertThat(again.err()).contains("-o " + m).contains("exists and is not empty").contains("--overwrite");
        assertThat(Files.readAllBytes(m.resolve("weights.safetensors"))).isEqualTo(weights);

        Files.writeString(m.resolve("old-note.txt"), "from before");
        CliRun replaced = fit(m, "--seed", "5", "--overwrite");
        assertThat(replaced.exit()).as(replaced.toString()).isZero();
        assertThat(m.resolve("old-note.txt")).doesNotExist();
        assertThat(Files.readAllBytes(m.resolve("weights.safetensors"))).isNotEqualTo(weights);
        assertThat(names(models)).containsExactly(".model.lock", "model");
        CliRun predict = CliRun.of("predict", "-m", m.toString(), "imap smtp mail delivery");
        assertThat(predict.exit()).as(predict.toString()).isZero();
    }

    @Test
    void aSecondRunIntoALockedFolderFailsWithAClearMessageAndWritesNothing() throws Exception {
        Path models = Files.createDirectories(dir.resolve("b"));
        Path m = models.resolve("model");
        try (FileChannel ch = FileChannel.open(models.resolve(".model.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            CliRun second = fit(m);
            assertThat(second.exit()).as(second.toString()).isNotZero();
            assertThat(second.err()).contains("another graft run is writing this model folder").contains(".model.lock");
            assertThat(second.err()).doesNotContain("fit: ");
        }
        assertThat(m).doesNotExist();
        assertThat(names(models)).containsExactly(".model.lock");
        CliRun later = fit(m, "--early-stopping", "none");
        assertThat(later.exit()).as("the lock is free again: %s", later).isZero();
        assertThat(later.out()).contains("no early stopping").doesNotContain("best epoch");
    }

    @Test
    void anEmptyExistingFolderIsFilledAndAReportInsideItGoesWithIt() throws Exception {
        Path m = Files.createDirectories(dir.resolve("c").resolve("model"));
        CliRun r = fit(m, "--report", m.resolve("html").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(m.resolve("manifest.json")).exists();
        assertThat(m.resolve("html").resolve("index.html")).exists();
        assertThat(r.out()).contains("report: " + m.toAbsolutePath().resolve("html").resolve("index.html"));
    }
}
