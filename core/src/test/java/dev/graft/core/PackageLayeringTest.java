package dev.graft.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The house rule for core's layers, read from the sources: the internal run never reaches up into
 * the facade, the result types or the registries. ({@link ArchitectureTest} checks that core's
 * packages form no cycle.)
 */
class PackageLayeringTest {
    private static final Pattern REF = Pattern.compile("dev\\.graft\\.core(?:\\.[a-z]+)*(?=\\.[A-Z])");

    static Map<String, Set<String>> dependencies() throws IOException {
        Path root = Path.of("src/main/java");
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("module-info.java")).toList()) {
                String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
                Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                for (String line : Files.readAllLines(f)) {
                    String t = line.trim();
                    if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) {
                        continue;
                    }
                    Matcher m = REF.matcher(t);
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

    @Test
    void internalTrainingRunImportsNoFacadeResultOrRegistry() throws IOException {
        Set<String> d = dependencies().get("dev.graft.core.internal.train");
        assertThat(d).doesNotContain("dev.graft.core", "dev.graft.core.pipeline", "dev.graft.core.model",
                "dev.graft.core.recommend");
        assertThat(dependencies().get("dev.graft.core.recommend")).doesNotContain("dev.graft.core.internal.train");
    }
}
