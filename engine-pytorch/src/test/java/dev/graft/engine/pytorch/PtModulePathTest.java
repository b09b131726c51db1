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
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine loads with the Graft and DJL jars on the module path and only
 * {@code pytorch-native-cpu} (whose Automatic-Module-Name is not a valid module name) on the class
 * path, with nothing set by the user: a child JVM finds the engine through the SPI module's
 * ServiceLoader and runs a prediction. The paths come from what the build resolved (the runtime class
 * path that maven-dependency-plugin writes into {@code runtime-classpath.txt}), so the test passes in
 * the reactor and when this module is built alone against installed jars.
 */
class PtModulePathTest {
    @Test
    void engineLoadsFromTheModulePathWithOnlyTheNativeJarOnTheClassPath() throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        modulePath.add(location(dev.graft.engine.pytorch.internal.PtEngineProvider.class));
        for (String entry : runtimeClassPath()) {
            (isModule(Path.of(entry)) ? modulePath : classPath).add(entry);
        }
        assertThat(classPath).as("jars that cannot be modules").singleElement().asString().contains("pytorch-native-cpu");
        classPath.add(location(PtModulePathTest.class));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-Dgraft.cache.dir=" + System.getProperty("graft.cache.dir",
                Path.of(System.getProperty("user.home"), ".cache", "graft").toString()),
                "--module-path", String.join(File.pathSeparator, modulePath), "--add-modules", "dev.graft.engine.pytorch",
                "--class-path", String.join(File.pathSeparator, classPath), Child.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        assertThat(out).contains("engine pytorch in module dev.graft.engine.pytorch", "prediction [2, 3]");
    }

    /** The main-scope dependencies as the build resolved them (written at generate-test-resources). */
    static List<String> runtimeClassPath() throws IOException {
        try (InputStream in = PtModulePathTest.class.getResourceAsStream("/runtime-classpath.txt")) {
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
