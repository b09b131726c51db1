package dev.graft.crossengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run context: with both engine jars present and PyTorch chosen by a Guice binding, every
 * backbone kind takes its engine from the run, so TensorFlow's native library is never loaded; the
 * opaque SavedModel backbone refuses, naming the engine it needs.
 */
class BoundEngineTest {
    @TempDir
    Path work;

    @Test
    void pytorchBoundInGuiceNeverLoadsTensorFlowForAnyBackboneKind() throws Exception {
        Path images = ShapeImages.write(work.resolve("images"), 4, 1);
        Path report = work.resolve("report.txt");
        ChildJvm.Result r = new ChildJvm().run(work.resolve("logs"), "bound-engine", BoundEngineMain.class, images.toString(),
                TextCrossEngineTest.TRAIN.toString(), work.resolve("cache").toString(), report.toString());
        assertThat(r.exitCode()).as(r.describe()).isZero();
        List<String> lines = Files.readAllLines(report);
        System.out.println(String.join("\n", lines));
        assertThat(lines).contains("resnet18 ok", "bert-tiny ok", "scratch ok");
        String saved = lines.stream().filter(l -> l.startsWith("savedmodel")).findFirst().orElseThrow();
        assertThat(saved).contains("refused").contains("engine 'pytorch' is chosen").contains("tensorflow engine");
        assertThat(lines).contains("created {pytorch=true, tensorflow=false}");
        String libs = lines.stream().filter(l -> l.startsWith("libraries")).findFirst().orElseThrow();
        assertThat(libs).doesNotContain("tensorflow").contains("torch");
    }
}
