package dev.graft.cli.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The quickstart's embedded dataset: the installed packages of a Debian system
 * ({@code /var/lib/dpkg/status}), each one's description (synopsis and long text) labelled by its
 * section. Real text written by package maintainers, present on every Debian machine.
 */
public final class DebianPackages {
    public static final Path STATUS = Path.of("/var/lib/dpkg/status");

    private DebianPackages() {
    }

    /** A parsed status file: every package with a description and section, plus problems. */
    public record Parsed(List<Example> examples, List<DatasetFormat.Problem> problems) {
    }

    public static Parsed read(Path status) throws IOException {
        byte[] bytes = Files.readAllBytes(status);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        List<Example> out = new ArrayList<>();
        List<DatasetFormat.Problem> problems = new ArrayList<>();
        ControlStanzas.read(new java.io.BufferedReader(new java.io.StringReader(text)),
                st -> add(status, st.line(), st.fields(), out, problems),
                (line, message) -> problems.add(new DatasetFormat.Problem(status + ":" + line, message)));
        return new Parsed(out, problems);
    }

    private static void add(Path status, int line, Map<String, String> f, List<Example> out,
            List<DatasetFormat.Problem> problems) {
        String pkg = f.get("Package");
        String section = f.get("Section");
        String desc = f.get("Description");
        if (pkg == null) {
            problems.add(new DatasetFormat.Problem(status + ":" + line, "stanza without a Package field"));
            return;
        }
        if (section == null || desc == null) {
            // packages without a section or description carry no label or text; report them
            problems.add(new DatasetFormat.Problem(status + ":" + line, "package " + pkg + " has no "
                    + (section == null ? "Section" : "Description")));
            return;
        }
        String label = section.substring(section.lastIndexOf('/') + 1);
        String body = desc.replace('\n', ' ').replaceAll("\\s+", " ").trim();
        out.add(new Example(status + ":" + line + " (" + pkg + ")", body, label));
    }

    /** The quickstart task: balanced sections split into train and a held-out stratified test set. */
    public record Task(List<Example> train, List<Example> test, List<String> labels, int packages, int skipped) {
    }

    /**
     * Reads {@code status}, keeps the {@code maxClasses} largest sections with at least
     * {@code perClass} packages, {@code perClass} of each (seeded), and holds out {@code testFraction}
     * of every class as the test set.
     */
    public static Task task(Path status, int perClass, int maxClasses, double testFraction, long seed) throws IOException {
        Parsed p = read(status);
        Map<String, Integer> counts = new TreeMap<>();
        p.examples().forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        List<String> keep = counts.entrySet().stream().filter(e -> e.getValue() >= perClass)
                .sorted((a, b) -> b.getValue() != a.getValue().intValue() ? b.getValue() - a.getValue() : a.getKey().compareTo(b.getKey()))
                .limit(maxClasses).map(Map.Entry::getKey).sorted().toList();
        if (keep.size() < 2) {
            throw new IOException(status + ": only " + keep.size() + " section(s) have at least " + perClass
                    + " packages with a description (sections: " + counts + "); a task needs 2");
        }
        List<Example> chosen = balanced(p.examples().stream().filter(e -> keep.contains(e.label())).toList(), perClass, perClass, seed);
        List<List<Example>> parts = stratifiedTestSplit(chosen, testFraction, seed);
        return new Task(parts.get(0), parts.get(1), keep, p.examples().size(), p.problems().size());
    }

    /**
     * Train and held-out test parts of {@code chosen}: the first {@code testFraction} of each class
     * (at least one) is test, each part shuffled with {@code seed + 1}. Shared by the task builders.
     */
    static List<List<Example>> stratifiedTestSplit(List<Example> chosen, double testFraction, long seed) {
        Map<String, List<Example>> by = new TreeMap<>();
        chosen.forEach(e -> by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e));
        List<Example> train = new ArrayList<>();
        List<Example> test = new ArrayList<>();
        for (List<Example> xs : by.values()) {
            int t = Math.max(1, (int) Math.round(xs.size() * testFraction));
            test.addAll(xs.subList(0, t));
            train.addAll(xs.subList(t, xs.size()));
        }
        Random r = new Random(seed + 1);
        Collections.shuffle(train, r);
        Collections.shuffle(test, r);
        return List.of(train, test);
    }

    /**
     * A balanced task: the sections with at least {@code minPerClass} packages, at most
     * {@code maxPerClass} packages each, chosen with {@code seed}.
     */
    public static List<Example> balanced(List<Example> all, int minPerClass, int maxPerClass, long seed) {
        Map<String, List<Example>> by = new TreeMap<>();
        for (Example e : all) {
            by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e);
        }
        List<Example> out = new ArrayList<>();
        Random r = new Random(seed);
        for (List<Example> xs : by.values()) {
            if (xs.size() < minPerClass) {
                continue;
            }
            List<Example> copy = new ArrayList<>(xs);
            Collections.shuffle(copy, r);
            out.addAll(copy.subList(0, Math.min(maxPerClass, copy.size())));
        }
        Collections.shuffle(out, r);
        return out;
    }
}
