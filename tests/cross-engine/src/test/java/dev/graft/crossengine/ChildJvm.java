package dev.graft.crossengine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this module in a child JVM with the test class path (both engines on it),
 * Graft's cache folder and DJL offline. TensorFlow's and PyTorch's native libraries abort a process
 * that loads both, so every engine runs in a JVM of its own. The child's environment never inherits
 * {@code GRAFT_ENGINE} or {@code graft.engine}: each run sets what it tests.
 */
final class ChildJvm {
    private final List<String> properties = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    /** What a child did: exit code, standard output, standard error. */
    record Result(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit code " + exitCode + "\n--- stdout ---\n" + tail(stdout) + "\n--- stderr ---\n" + tail(stderr);
        }

        private static String tail(String s) {
            return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
        }
    }

    ChildJvm property(String key, String value) {
        properties.add("-D" + key + "=" + value);
        return this;
    }

    ChildJvm env(String key, String value) {
        environment.put(key, value);
        return this;
    }

    /** Runs {@code main} with {@code args}, output into {@code logDir}; fails after {@code timeoutSeconds}. */
    Result run(Path logDir, String name, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        cmd.add("-Dai.djl.offline=true");
        for (String p : List.of("graft.cache.dir", "TENSORFLOW_LIBRARY_PATH", "PYTORCH_LIBRARY_PATH")) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.addAll(properties);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(logDir);
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("GRAFT_ENGINE");
        pb.environment().putAll(environment);
        long start = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException(name + ": child JVM did not finish in 300 s; see " + logDir);
        }
        System.out.printf("child JVM %s: exit code %d after %.1f s%n", name, p.exitValue(), (System.nanoTime() - start) / 1e9);
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Surefire may start tests from a manifest-only jar; the real class path is then in a property. */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }
}
