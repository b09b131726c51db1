package dev.graft.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * core's packages, read from its main sources, form no import cycle: not even one between two
 * packages. A cycle is named package by package ({@code a -> b -> c -> a}). References are the
 * fully qualified names and imports in code (comments are skipped), so a type used through an
 * import, a static import or a qualified name counts alike.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REF = Pattern.compile("\\bdev\\.graft\\.core(?:\\.[a-z][a-z0-9_]*)*(?=\\.[A-Z])");

    /** Package to the other core packages its sources refer to. */
    static Map<String, Set<String>> packageGraph(Path root) throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("module-info.java")).sorted().toList()) {
                String pkg = root.relativize(f.getParent()).toString().replace(java.io.File.separatorChar, '.');
                Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                for (String code : codeLines(Files.readString(f))) {
                    Matcher m = REF.matcher(code);
                    while (m.find()) {
                        if (!m.group().equals(pkg)) {
                            out.add(m.group());
                        }
                    }
                }
            }
        }
        return deps;
    }

    /** The source's lines with comments and string literals blanked. */
    static List<String> codeLines(String source) {
        StringBuilder b = new StringBuilder(source.length());
        boolean block = false;
        boolean line = false;
        boolean str = false;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            char n = i + 1 < source.length() ? source.charAt(i + 1) : 0;
            if (block) {
                if (c == '*' && n == '/') {
                    block = false;
                    i++;
                }
                b.append(c == '\n' ? '\n' : ' ');
            } else if (line) {
                if (c == '\n') {
                    line = false;
                    b.append('\n');
                }
            } else if (str) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    str = false;
                }
                b.append(c == '\n' ? '\n' : ' ');
            } else if (c == '/' && n == '*') {
                block = true;
                i++;
            } else if (c == '/' && n == '/') {
                line = true;
                i++;
            } else if (c == '"') {
                str = true;
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return List.of(b.toString().split("\n"));
    }

    /**
     * Every strongly connected set of two or more nodes (Tarjan), each given as one cycle through
     * all of its members' first found path, e.g. {@code [a, b, c, a]}; empty when the graph is
     * acyclic. Deterministic for a sorted graph.
     */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String v : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, components, counter);
            }
        }
        List<List<String>> out = new ArrayList<>();
        for (Set<String> comp : components) {
            boolean selfLoop = comp.size() == 1 && graph.getOrDefault(comp.iterator().next(), Set.of()).contains(comp.iterator().next());
            if (comp.size() > 1 || selfLoop) {
                out.add(cycleThrough(graph, comp));
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low,
            Deque<String> stack, Set<String> onStack, List<Set<String>> components, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : new TreeSet<>(g.getOrDefault(v, Set.of()))) {
            if (!index.containsKey(w)) {
                strongConnect(w, g, index, low, stack, onStack, components, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> comp = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                comp.add(w);
            } while (!w.equals(v));
            components.add(comp);
        }
    }

    /** A shortest cycle from the component's first member back to itself, inside the component. */
    private static List<String> cycleThrough(Map<String, Set<String>> g, Set<String> comp) {
        String start = comp.iterator().next();
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String v = queue.poll();
            for (String w : new TreeSet<>(g.getOrDefault(v, Set.of()))) {
                if (!comp.contains(w)) {
                    continue;
                }
                if (w.equals(start)) {
                    List<String> path = new ArrayList<>();
                    for (String x = v; x != null; x = parent.get(x)) {
                        path.add(0, x);
                    }
                    path.add(start);
                    return path;
                }
                if (!parent.containsKey(w) && !w.equals(start)) {
                    parent.put(w, v);
                    queue.add(w);
                }
            }
        }
        throw new IllegalStateException("component " + comp + " has no cycle through " + start);
    }

    static String describe(List<List<String>> cycles) {
        return cycles.stream().map(c -> String.join(" -> ", c)).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    @Test
    void coresPackagesFormNoImportCycle() throws IOException {
        Map<String, Set<String>> graph = packageGraph(SOURCES);
        assertThat(graph).as("core's packages read from %s", SOURCES.toAbsolutePath()).containsKeys("dev.graft.core",
                "dev.graft.core.pipeline", "dev.graft.core.internal.train", "dev.graft.core.model");
        assertThat(graph.get("dev.graft.core")).as("the facade's references are found").contains("dev.graft.core.pipeline");
        List<List<String>> cycles = cycles(graph);
        assertThat(cycles).as("import cycles among core's packages:%n%s", describe(cycles)).isEmpty();
    }

    /** The internal run never reaches up into the facade, the result types or the registries. */
    @Test
    void internalTrainingRunImportsNoFacadeResultOrRegistry() throws IOException {
        Map<String, Set<String>> graph = packageGraph(SOURCES);
        assertThat(graph.get("dev.graft.core.internal.train")).doesNotContain("dev.graft.core", "dev.graft.core.pipeline",
                "dev.graft.core.model", "dev.graft.core.recommend");
        assertThat(graph.get("dev.graft.core.recommend")).doesNotContain("dev.graft.core.internal.train");
    }

    @Test
    void cycleFinderNamesEveryCycleOfASyntheticGraph() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a", Set.of("b"));
        g.put("b", Set.of("c", "x"));
        g.put("c", Set.of("a"));
        g.put("x", Set.of("y"));
        g.put("y", Set.of("x"));
        g.put("z", Set.of("a"));
        g.put("s", Set.of("s"));
        assertThat(cycles(g)).containsExactlyInAnyOrder(List.of("a", "b", "c", "a"), List.of("x", "y", "x"), List.of("s", "s"));
        assertThat(describe(cycles(Map.of("p", Set.of("q"), "q", Set.of("p"))))).isEqualTo("p -> q -> p");
    }

    @Test
    void cycleFinderFindsNoneInADiamond() {
        Map<String, Set<String>> g = Map.of("top", Set.of("left", "right"), "left", Set.of("bottom"), "right", Set.of("bottom"),
                "bottom", Set.of());
        assertThat(cycles(g)).isEmpty();
    }

    @Test
    void packageGraphReadsImportsAndQualifiedNamesButNotCommentsOrStrings(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path a = Files.createDirectories(dir.resolve("dev/graft/core/alpha"));
        Path b = Files.createDirectories(dir.resolve("dev/graft/core/beta"));
        Files.writeString(a.resolve("A.java"), """
                package dev.graft.core.alpha;
                import dev.graft.core.beta.B;
                /** Not {@link dev.graft.core.gamma.G}. */
                class A { String s = "dev.graft.core.delta.D"; // dev.graft.core.epsilon.E
                }
                """);
        Files.writeString(b.resolve("B.java"), """
                package dev.graft.core.beta;
                public class B { Object o = new dev.graft.core.alpha.A(); }
                """);
        Map<String, Set<String>> g = packageGraph(dir);
        assertThat(g).containsEntry("dev.graft.core.alpha", Set.of("dev.graft.core.beta"))
                .containsEntry("dev.graft.core.beta", Set.of("dev.graft.core.alpha"));
        assertThat(describe(cycles(g))).isEqualTo("dev.graft.core.alpha -> dev.graft.core.beta -> dev.graft.core.alpha");
    }
}
