package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BaselineRunTest {
    private static List<Example> data() {
        List<Example> xs = new ArrayList<>();
        String[][] words = {{"editor", "text", "vim"}, {"mail", "smtp", "inbox"}, {"game", "play", "puzzle"}};
        String[] labels = {"editors", "mail", "games"};
        for (int i = 0; i < 30; i++) {
            for (int c = 0; c < 3; c++) {
                xs.add(new Example("x:" + i + c, "a " + words[c][i % 3] + " and " + words[c][(i + 1) % 3] + " tool", labels[c]));
            }
        }
        return xs;
    }

    @Test
    void splitHoldsOutTheFractionOfEveryClassDeterministically() {
        List<Example> all = data();
        BaselineRun.Split a = BaselineRun.split(all, 0.2, 42);
        BaselineRun.Split b = BaselineRun.split(all, 0.2, 42);
        assertThat(a.validation()).isEqualTo(b.validation());
        assertThat(a.validation().stream().collect(Collectors.groupingBy(Example::label, Collectors.counting())))
                .containsEntry("editors", 6L).containsEntry("mail", 6L).containsEntry("games", 6L);
        assertThat(a.train()).hasSize(72).doesNotContainAnyElementsOf(a.validation());
        assertThat(BaselineRun.split(all, 0.2, 7).validation()).isNotEqualTo(a.validation());
    }

    @Test
    void scoresTheBaselineOnHeldOutExamples() {
        BaselineRun.Split s = BaselineRun.split(data(), 0.2, 42);
        BaselineRun.Result r = BaselineRun.run(s.train(), s.validation(), 42);
        assertThat(r.scores().examples()).isEqualTo(18);
        assertThat(r.scores().accuracy()).isEqualTo(1.0);
        assertThat(r.line()).contains("accuracy 1.0000").contains("TF-IDF word 1-2-grams");
    }

    @Test
    void refusesInputsThatAreNotText() {
        assertThatThrownBy(() -> BaselineRun.text(new Example("img.png", Path.of("img.png"), "cat")))
                .hasMessageContaining("img.png: the TF-IDF baseline needs text");
    }
}
