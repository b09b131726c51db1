package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's thread setting sizes TensorFlow's intra-op pool. TensorFlow sizes that process-wide pool once, from
 * the first context a process opens (DJL's eager context, as its engine loads), so each case runs a fresh JVM and reads
 * the size TensorFlow itself logs for every session's CPU device.
 */
class TfPoolThreadsTest {
    private static final Pattern POOL = Pattern.compile("LocalDevice using CPU work thread pool: \\S+ num_threads=(\\d+)");

    /** Child JVM: loads the engine with the given threads, compiles a small network and predicts once. */
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 8);
        b.output("y", Layers.dense(b, "fc", x, 4));
        try (CompiledModel m = new TfEngineProvider().create(EngineSettings.defaults().withThreads(threads)).compile(b.build(), 1)) {
            HostTensor y = m.predict(Map.of("x", HostTensor.of(new float[16], 2, 8)), "y");
            System.out.println("predicted " + y.floats().length + " values; pool threads " + TfNativeLibrary.poolThreads());
        }
    }

    private static List<Integer> poolSizes(int threads, Path dir) throws IOException, InterruptedException {
        Path err = dir.resolve("stderr-" + threads + ".txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path")));
        String cache = System.getProperty("graft.cache.dir");
        if (cache != null) {
            cmd.add("-Dgraft.cache.dir=" + cache);
        }
        cmd.addAll(List.of(TfPoolThreadsTest.class.getName(), Integer.toString(threads)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(err.toFile())
                .redirectOutput(dir.resolve("stdout-" + threads + ".txt").toFile());
        pb.environment().remove("GRAFT_THREADS");
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "0");
        pb.environment().put("TF_CPP_VMODULE", "local_device=1");
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String log = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("child JVM exit; its stderr:%n%s", log).isZero();
        assertThat(Files.readString(dir.resolve("stdout-" + threads + ".txt"))).contains("predicted 8 values; pool threads " + threads);
        List<Integer> sizes = new ArrayList<>();
        Matcher m = POOL.matcher(log);
        while (m.find()) {
            sizes.add(Integer.parseInt(m.group(1)));
        }
        return sizes;
    }

    @Test
    void theFirstEngineSettingsSizeTensorFlowsIntraOpPool(@TempDir Path dir) throws Exception {
        // DJL's eager context and the model's session both report a CPU device; each must use the set size
        assertThat(poolSizes(1, dir)).as("pool sizes TensorFlow logged with threads=1").hasSizeGreaterThanOrEqualTo(2).containsOnly(1);
        assertThat(poolSizes(3, dir)).as("pool sizes TensorFlow logged with threads=3").hasSizeGreaterThanOrEqualTo(2).containsOnly(3);
    }
}
