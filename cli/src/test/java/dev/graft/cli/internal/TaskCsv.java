package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a benchmark task as the CSV files a user would give {@code graft}: {@code test.csv} (the task's held-out
 * test set) and {@code train-SIZE-seedN.csv} (the labelled examples {@link DataEfficiencyBenchmark} draws for that
 * size and seed), so that the benchmark's runs can be repeated through {@code ./graft fit} and {@code ./graft evaluate}.
 * Every file is read back with Graft's own CSV reader and compared with the task's examples, text for text.
 * <pre>
 * java -cp "cli/target/test-classes:cli/target/classes:cli/target/graft-lib/*" dev.graft.cli.internal.TaskCsv \
 *   --task debian --sizes 10 --seeds 1,2,3 --out /tmp/debian
 * </pre>
 */
public final class TaskCsv {
    private TaskCsv() {
    }

    public static void main(String[] argv) throws IOException {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--task", "debian", "--sizes", "10", "--seeds", "1,2,3", "--out", "task-csv",
                "--debian-per-class", "36", "--perl-per-class", "80", "--archive-per-class", "333"));
        for (int i = 0; i < argv.length; i += 2) {
            if (!a.containsKey(argv[i]) || i + 1 == argv.length) {
                throw new IllegalArgumentException("unknown option or missing value: '" + argv[i] + "'; options: " + a.keySet());
            }
            a.put(argv[i], argv[i + 1]);
        }
        DataEfficiencyBenchmark.NamedTask task = DataEfficiencyBenchmark.task(a.get("--task"), a);
        Path out = Files.createDirectories(Path.of(a.get("--out")));
        Graft g = Graft.create();
        write(g, out.resolve("test.csv"), task.test());
        for (String size : a.get("--sizes").split(",")) {
            for (String seed : a.get("--seeds").split(",")) {
                write(g, out.resolve("train-" + size + "-seed" + seed + ".csv"),
                        DataEfficiencyBenchmark.subsample(task.train(), size, Long.parseLong(seed)));
            }
        }
        System.out.println(task.name() + ": " + task.description());
    }

    static void write(Graft g, Path file, List<Example> examples) throws IOException {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (Example e : examples) {
            sb.append(quote((String) e.input())).append(',').append(quote(e.label())).append('\n');
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
        List<Example> back = g.read(file).examples();
        List<String> want = new ArrayList<>();
        examples.forEach(e -> want.add(e.input() + "\u0000" + e.label()));
        List<String> got = new ArrayList<>();
        back.forEach(e -> got.add(e.input() + "\u0000" + e.label()));
        if (!want.equals(got)) {
            throw new IllegalStateException(file + ": read back differs from the task's examples");
        }
        System.out.println(file + ": " + examples.size() + " examples");
    }

    static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
