package dev.graft.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.ServiceLoaderDatasetFormatRegistry;
import dev.graft.core.ServiceLoaderHeadRegistry;
import dev.graft.core.ServiceLoaderStrategyRegistry;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.core.testing.Data;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {
    private static final Graft GRAFT = new Graft(new ServiceLoaderEngineRegistry(), new ServiceLoaderStrategyRegistry(),
            new ServiceLoaderBackboneRegistry(), new ServiceLoaderHeadRegistry(),
            new ServiceLoaderDatasetFormatRegistry(List.of(new VectorsFormat())));

    @TempDir
    Path dir;
    private Path file;

    /** 60 good rows (3 classes of 8-dimensional clusters) and two bad ones, on lines 3 and 10. */
    @BeforeEach
    void write() throws IOException {
        List<String> lines = new ArrayList<>();
        for (Example e : Data.clusters(3, 20, 8, 1)) {
            StringBuilder sb = new StringBuilder();
            for (float v : (float[]) e.input()) {
                sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", v));
            }
            lines.add(sb + "," + e.label());
        }
        lines.add(2, "1 2 three 4 5 6 7 8,class0");
        lines.add(9, "1 2 3 4 5 6 7 8");
        file = dir.resolve("train.vec");
        Files.write(file, lines);
    }

    @Test
    void readingFailsByDefaultNamingEveryBadRowByFileAndLine() {
        assertThatThrownBy(() -> GRAFT.read(file)).isInstanceOfSatisfying(BadRowsException.class, e -> {
            assertThat(e.path()).isEqualTo(file);
            assertThat(e.badRows()).extracting(DatasetFormat.Problem::toString)
                    .containsExactly(file + ":3: 'three' is not a number", file + ":10: no label");
        }).hasMessageStartingWith("2 bad record(s) in " + file + " (format vectors):\n  " + file + ":3: 'three' is not a number");
    }

    @Test
    void collectedBadRowsKeepTheExamplesBackUntilTheProgramDecides() throws IOException {
        Dataset d = GRAFT.read(file, "vectors", Map.of(), BadRowPolicy.COLLECT);
        assertThat(d.hasUnhandledBadRows()).isTrue();
        assertThat(d.size()).isEqualTo(60);
        assertThat(d.badRows()).extracting(DatasetFormat.Problem::source).containsExactly(file + ":3", file + ":10");
        assertThatThrownBy(d::examples).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file + ":10: no label").hasMessageContaining("withoutBadRows()");
        Pipeline p = GRAFT.pipeline();
        assertThatThrownBy(() -> p.data(d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("training data: 2 bad record(s) in " + file)
                .hasMessageContaining(file + ":3: 'three' is not a number")
                .hasMessageContaining("call withoutBadRows() to use the 60 good row(s) alone");
        assertThatThrownBy(() -> p.validation(d)).hasMessageStartingWith("validation data: 2 bad record(s)");

        Dataset kept = d.withoutBadRows();
        assertThat(kept.hasUnhandledBadRows()).isFalse();
        assertThat(kept.examples()).hasSize(60);
        assertThat(kept.badRows()).as("the skipped rows stay named").hasSize(2);
        assertThat(kept.toString()).endsWith("60 example(s), 2 bad row(s) skipped");
    }

    @Test
    void aPipelineTrainsOnTheGoodRowsOnceTheyAreChosenAndRefusesABadFileItReadsItself(@TempDir Path cache) throws IOException {
        Dataset d = GRAFT.read(file, "vectors", Map.of(), BadRowPolicy.COLLECT).withoutBadRows();
        PipelineResult r = GRAFT.pipeline().data(d).backbone("tiny-mlp", Map.of()).strategy("fine-tuning", Map.of())
                .trainer(TrainerConfig.defaults().withEpochs(1).withBatchSize(16).withSeed(7).withValidationFraction(0.25))
                .cacheDir(cache).run();
        assertThat(r.model().labels().labels()).containsExactly("class0", "class1", "class2");
        assertThat(r.validation().examples()).isEqualTo(15);

        assertThatThrownBy(() -> GRAFT.pipeline().data(file, "vectors", Map.of())).isInstanceOf(BadRowsException.class)
                .hasMessageContaining("2 bad record(s) in " + file);
        Path good = dir.resolve("good.vec");
        Files.write(good, Files.readAllLines(file).subList(10, 20));
        assertThat(GRAFT.read(good).examples()).hasSize(10);
    }

    /** Test format: one example a line, {@code x1 x2 ... xn,label}. */
    static final class VectorsFormat implements DatasetFormat {
        @Override
        public String id() {
            return "vectors";
        }

        @Override
        public boolean accepts(Path path) {
            return path.toString().endsWith(".vec");
        }

        @Override
        public Result read(Path path, Map<String, String> options) throws IOException {
            List<Example> examples = new ArrayList<>();
            List<Problem> problems = new ArrayList<>();
            List<String> lines = Files.readAllLines(path);
            for (int i = 0; i < lines.size(); i++) {
                String source = path + ":" + (i + 1);
                String[] parts = lines.get(i).split(",");
                if (parts.length != 2) {
                    problems.add(new Problem(source, "no label"));
                    continue;
                }
                String[] xs = parts[0].split(" ");
                float[] x = new float[xs.length];
                try {
                    for (int j = 0; j < xs.length; j++) {
                        x[j] = Float.parseFloat(xs[j]);
                    }
                } catch (NumberFormatException e) {
                    problems.add(new Problem(source, "'" + e.getMessage().replaceFirst("^For input string: \"(.*)\"$", "$1")
                            + "' is not a number"));
                    continue;
                }
                examples.add(new Example(source, x, parts[1]));
            }
            return new Result(examples, problems);
        }
    }
}
