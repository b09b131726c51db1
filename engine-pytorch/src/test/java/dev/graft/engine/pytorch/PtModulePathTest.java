package dev.graft.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine loads with the Graft and DJL jars on the module path and only
 * {@code pytorch-native-cpu} (whose Automatic-Module-Name is not a valid module name) on the class
 * path, with nothing set by the user: a child JVM finds the engine through the SPI module's
 * ServiceLoader and runs a prediction.
 */
class PtModulePathTest {
    private static final List<String> MODULE_PATH_PARTS = List.of("/engine-spi/target/classes", "/engine-spi/target/graft-engine-spi-", "/engine-pytorch/target/classes",
            "/ai/djl/api/", "/pytorch-engine/", "/pytorch-jni/", "/gson/", "/jna/", "/commons-compress/", "/commons-io/",
            "/commons-codec/", "/slf4j-api/", "/commons-lang3/", "/error_prone_annotations/");

    @Test
    void engineLoadsFromTheModulePathWithOnlyTheNativeJarOnTheClassPath() throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            if (e.contains("pytorch-native-cpu") || e.endsWith("/engine-pytorch/target/test-classes")) {
                classPath.add(entry);
            } else if (MODULE_PATH_PARTS.stream().anyMatch(e::contains)) {
                modulePath.add(entry);
            }
        }
        assertThat(classPath).hasSize(2);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-Dgraft.cache.dir=" + System.getProperty("graft.cache.dir",
                Path.of(System.getProperty("user.home"), ".cache", "graft").toString()),
                "--module-path", String.join(File.pathSeparator, modulePath), "--add-modules", "dev.graft.engine.pytorch",
                "--class-path", String.join(File.pathSeparator, classPath), Child.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("engine pytorch in module dev.graft.engine.pytorch", "prediction [2, 3]");
    }

    /** Runs in the child JVM. */
    public static final class Child {
        public static void main(String[] args) {
            Engine e = new ServiceLoaderEngineRegistry().get("pytorch");
            System.out.println("engine " + e.id() + " in module " + e.getClass().getModule().getName());
            NetworkBuilder b = new NetworkBuilder();
            Node x = b.input("x", DType.FLOAT32, -1, 4);
            b.output("y", Layers.dense(b, "fc", x, 3));
            try (CompiledModel m = e.compile(b.build(), 1)) {
                HostTensor y = m.predict(Map.of("x", HostTensor.of(new float[8], 2, 4)), "y");
                System.out.println("prediction " + y.shape());
            }
        }
    }
}
