package dev.graft.core.config;

import dev.graft.core.spi.Task;
import java.util.List;

/**
 * The head to put on the backbone. The number of outputs comes from the data (classes, labels or
 * regression targets).
 *
 * @param factory head factory id: {@code linear} or {@code mlp} (or a plugin's)
 * @param task    what the head predicts
 * @param hidden  hidden widths for {@code mlp}
 * @param dropout rate before each dense layer
 */
public record HeadConfig(String factory, Task task, List<Integer> hidden, double dropout) {
    public HeadConfig {
        hidden = List.copyOf(hidden);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("head dropout must be in [0, 1), got " + dropout);
        }
    }

    public static HeadConfig linear(Task task) {
        return new HeadConfig("linear", task, List.of(), 0);
    }

    public static HeadConfig mlp(Task task, List<Integer> hidden, double dropout) {
        return new HeadConfig("mlp", task, hidden, dropout);
    }
}
