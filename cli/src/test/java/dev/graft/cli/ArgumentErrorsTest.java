package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArgumentErrorsTest {
    @TempDir
    static Path dir;
    static Path status;

    @BeforeAll
    static void data() throws Exception {
        status = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail"), 6, 0, 1);
    }

    @Test
    void everyCommandsHelpPrintsWithoutAFormatWarning() {
        for (String cmd : List.of("fit", "predict", "evaluate", "export", "recommend", "ensemble", "serve", "quickstart", "list")) {
            // picocli reads descriptions as format strings: a lone % makes it warn on the process's standard error
            java.io.PrintStream before = System.err;
            java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
            CliRun r;
            try {
                System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
                r = CliRun.of(cmd, "--help");
            } finally {
                System.setErr(before);
            }
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8) + r.err() + r.out()).as(cmd)
                    .doesNotContainIgnoringCase("warn");
        }
        assertThat(CliRun.of("fit", "--help").out()).contains("warmup 10% then");
    }

    @Test
    void unknownBackboneListsTheValidOnes() {
        CliRun r = CliRun.of("fit", "-b", "resnet9000", "-d", status.toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("unknown backbone 'resnet9000'").contains("hashed-words").contains("scratch");
    }

    @Test
    void anUnknownPrecisionIsAUsageErrorListingTheValidOnes() {
        CliRun r = CliRun.of("fit", "--precision", "fp16", "-b", "hashed-words", "-d", status.toString(), "-o",
                dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--precision").contains("'fp16'").contains("fp32").contains("bf16");
    }

    @Test
    void unknownStrategyListsTheValidOnes() {
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-s", "magic", "-d", status.toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("unknown strategy 'magic'").contains("feature-extraction").contains("fine-tuning")
                .contains("hybrid");
    }

    @Test
    void unknownEngineListsTheValidOnesOnEveryCommandThatRunsAModel() {
        for (String[] args : List.of(
                new String[] {"fit", "-b", "hashed-words", "-d", status.toString(), "-o", dir.resolve("m").toString(), "--engine", "onnx"},
                new String[] {"recommend", "-b", "hashed-words", "-d", status.toString(), "--engine", "onnx"},
                new String[] {"quickstart", "--backbone", "hashed-words", "--status", status.toString(), "--engine", "onnx"})) {
            CliRun r = CliRun.of(args);
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("unknown engine 'onnx'").contains("tensorflow");
        }
    }

    @Test
    void missingDataFileIsNamed() {
        Path missing = dir.resolve("no-such.csv");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", missing.toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cannot read data " + missing).contains("no such file");
    }

    @Test
    void badRecordsAreReportedWithFileAndLine() throws Exception {
        Path bad = dir.resolve("bad-status");
        java.nio.file.Files.writeString(bad, "Package: a\nSection: mail\nDescription: x\n\nPackage: b\nDescription: no section\n");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "--format", "dpkg-status", "-d", bad.toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":5").contains("package b has no Section");
    }

    @Test
    void aWrongColumnNameIsAUsageErrorThatSuggestsTheColumnOptions() throws Exception {
        Path csv = java.nio.file.Files.writeString(dir.resolve("pkgs.csv"),
                "description,section\nan editor,editors\na mailer,mail\n");
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", csv.toString(), "-o", dir.resolve("m").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cannot read data " + csv + " as csv").contains(csv + ":1: no text column 'text'")
                .contains("columns present: [description, section]").contains("-D text=COLUMN -D label=COLUMN")
                .doesNotContain("failed:");
    }

    @Test
    void unknownFormatAndModelDirectoryAreUsageErrors() {
        CliRun f = CliRun.of("fit", "-b", "hashed-words", "--format", "parquet", "-d", status.toString(), "-o", dir.resolve("m").toString());
        assertThat(f.exit()).isEqualTo(2);
        assertThat(f.err()).contains("unknown dataset format 'parquet'").contains("dpkg-status");
        CliRun p = CliRun.of("predict", "-m", dir.toString(), "hello");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.err()).contains(dir + " is not a Graft model directory");
    }

    @Test
    void serveRefusesZeroBatchWorkersNamingTheOption() {
        CliRun r = CliRun.of("serve", "-m", dir.toString(), "--batch-workers", "0");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--batch-workers: must be at least 1, got 0");
    }

    @Test
    void missingOptionsAndUnknownCommandsExitWithUsageCode() {
        CliRun a = CliRun.of("fit", "-d", status.toString());
        assertThat(a.exit()).isEqualTo(2);
        assertThat(a.err()).contains("Missing required option").contains("--backbone");
        CliRun b = CliRun.of("train");
        assertThat(b.exit()).isEqualTo(2);
        assertThat(b.err()).contains("train");
        CliRun c = CliRun.of();
        assertThat(c.exit()).isEqualTo(2);
        assertThat(c.err()).contains("sub-command");
    }

    @Test
    void listShowsEveryKindWithModuleAndVersion() {
        CliRun r = CliRun.of("list");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Engines").contains("tensorflow").contains("Strategies").contains("hybrid")
                .contains("Backbones").contains("hashed-words").contains("scratch").contains("Heads").contains("mlp")
                .contains("Dataset formats").contains("dpkg-status");
    }
}
