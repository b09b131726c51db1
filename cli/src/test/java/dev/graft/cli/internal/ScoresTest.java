package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.evaluation.ClassificationScores;
import dev.graft.core.evaluation.Evaluation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoresTest {
    private static String text(ClassificationScores s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Scores.print(s, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsFullLabelNamesAsColumnsWhenTheyFit() {
        List<String> labels = List.of("editors", "mail-transport");
        String out = text(Evaluation.classification(labels, new int[] {0, 1, 1}, new int[] {0, 1, 0}));
        assertThat(out).contains("        editors mail-transport")
                .contains("editors              1              0")
                .contains("mail-transport       1              1");
        // per-class F1: editors P=1/2 R=1 -> 0.667; mail-transport P=1 R=1/2 -> 0.667
        assertThat(out).contains("class          precision    recall        F1  support")
                .contains("editors            0.500     1.000     0.667        1");
    }

    @Test
    void numbersTheColumnsWhenLongNamesWouldNotFit() {
        List<String> labels = List.of("oldlibs-transitional-packages-kept-for-upgrades", "science-and-engineering-tools",
                "interpreters-for-programming-languages");
        String out = text(Evaluation.classification(labels, new int[] {0, 1, 2}, new int[] {0, 2, 2}));
        assertThat(out).contains("predicted label by the row's number")
                .contains("[0] oldlibs-transitional-packages-kept-for-upgrades   1   0   0")
                .contains("[2] interpreters-for-programming-languages            0   0   1");
        assertThat(out.lines().filter(l -> l.contains("[0]") && l.contains("[1]") && l.contains("[2]")).count()).isEqualTo(1);
        assertThat(out.lines().mapToInt(String::length).max().orElse(0)).isLessThanOrEqualTo(Scores.WIDTH);
    }

    @Test
    void writesEveryFigureAndTheConfusionMatrixAsJson() {
        ClassificationScores s = Evaluation.classification(List.of("a", "b\"q"), new int[] {0, 1, 1},
                new double[][] {{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.4}});
        String json = Scores.json(s);
        assertThat(json).startsWith("{\"task\":\"classification\",\"examples\":3,\"accuracy\":0.666667,")
                .contains("\"labels\":[\"a\",\"b\\\"q\"]")
                .contains("\"confusion_matrix\":[[1,0],[1,1]]")
                .contains("{\"label\":\"a\",\"precision\":0.500000,\"recall\":1.00000,\"f1\":0.666667,\"support\":1}")
                .contains("\"log_loss\":").endsWith("]}");
    }
}
