package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnsembleCommandTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void fitMembers() throws Exception {
        data = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 20, 0, 7);
        Path other = StatusFiles.write(dir.resolve("status-other"), List.of("editors", "mail"), 20, 20, 7);
        fit(data, "a", "1");
        fit(data, "b", "2");
        fit(other, "other", "1");
    }

    private static void fit(Path d, String name, String seed) throws Exception {
        CliRun r = CliRun.of("fit", "-b", "hashed-words", "-d", d.toString(), "--seed", seed, "--cache-dir",
                dir.resolve("cache").toString(), "-o", dir.resolve(name).toString());
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void ensembleFolderIsEvaluatedAndPredictedLikeAnyModelAndExportIsRefused() throws Exception {
        Path e = dir.resolve("ens");
        CliRun r = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("b").toString(), "--weights", "1,3",
                "-o", e.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ensemble of 2 models, soft voting over labels [editors, games, mail]")
                .contains("members/1-a").contains("weight 1 (25.0 %)").contains("members/2-b").contains("weight 3 (75.0 %)");
        assertThat(e.resolve("members/1-a/weights.safetensors")).isRegularFile();
        CliRun ev = CliRun.of("evaluate", "-m", e.toString(), "-d", data.toString());
        assertThat(ev.exit()).as(ev.toString()).isZero();
        assertThat(ev.out()).contains("examples 60, accuracy");
        CliRun p = CliRun.of("predict", "-m", e.toString(), "a text editor for the console");
        assertThat(p.exit()).as(p.toString()).isZero();
        assertThat(p.out()).contains("\"label\":");
        CliRun x = CliRun.of("export", "-m", e.toString(), "-o", dir.resolve("export").toString());
        assertThat(x.exit()).isEqualTo(2);
        assertThat(x.err()).contains("is a soft-voting ensemble of 2 models, which graft export cannot write as one TensorFlow SavedModel");
        assertThat(Files.exists(dir.resolve("export"))).isFalse();
    }

    @Test
    void refusesMembersOverOtherLabelsBadWeightsAndMissingFolders() throws Exception {
        CliRun labels = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("other").toString(), "-o",
                dir.resolve("x1").toString());
        assertThat(labels.exit()).isEqualTo(2);
        assertThat(labels.err()).contains("member '2-other' predicts labels [editors, mail, rare]").contains("it lacks [games]")
                .contains("it adds [rare]");
        CliRun count = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("b").toString(), "--weights", "1",
                "-o", dir.resolve("x2").toString());
        assertThat(count.exit()).isEqualTo(2);
        assertThat(count.err()).contains("--weights has 1 value(s) for 2 members");
        CliRun negative = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("b").toString(), "--weights",
                "1,-1", "-o", dir.resolve("x3").toString());
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("--weights: weight 2 is -1.0; weights must be finite and >= 0");
        // weights are checked before any member is loaded: a missing member is not reached
        CliRun zeros = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("nope").toString(), "--weights",
                "0,0", "-o", dir.resolve("x3b").toString());
        assertThat(zeros.exit()).isEqualTo(2);
        assertThat(zeros.err()).contains("--weights: every weight is 0").doesNotContain("nope");
        CliRun missing = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-m", dir.resolve("nope").toString(), "-o",
                dir.resolve("x4").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains(dir.resolve("nope").toString());
        CliRun one = CliRun.of("ensemble", "-m", dir.resolve("a").toString(), "-o", dir.resolve("x5").toString());
        assertThat(one.exit()).isEqualTo(2);
        assertThat(one.err()).contains("an ensemble needs at least two members");
        for (String x : List.of("x1", "x2", "x3", "x4", "x5")) {
            assertThat(Files.exists(dir.resolve(x))).as(x).isFalse();
        }
    }
}
