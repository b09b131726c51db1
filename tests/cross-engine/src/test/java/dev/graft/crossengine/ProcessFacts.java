package dev.graft.crossengine;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Facts about the running JVM that show which engine runtimes it loaded: the TensorFlow and PyTorch
 * shared libraries in {@code /proc/self/maps}, and whether each Graft engine's process-wide singleton
 * (set by its provider's {@code create()}) exists.
 */
final class ProcessFacts {
    /** Each engine's singleton class; its static {@code instance} field is set only by {@code create()}. */
    static final Map<String, String> ENGINE_CLASSES = Map.of(
            "tensorflow", "dev.graft.engine.tensorflow.internal.TfEngine",
            "pytorch", "dev.graft.engine.pytorch.internal.PtEngine");

    private ProcessFacts() {
    }

    /** File names of mapped shared libraries that belong to TensorFlow or PyTorch, sorted. */
    static List<String> engineLibraries() throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String name = Path.of(line.substring(slash).trim()).getFileName().toString();
            if (ownerOf(name) != null) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    /** The engine a native library belongs to ({@code tensorflow}, {@code pytorch}) or null. */
    static String ownerOf(String libraryFileName) {
        String n = libraryFileName.toLowerCase(Locale.ROOT);
        if (!n.contains(".so")) {
            return null;
        }
        if (n.contains("tensorflow")) {
            return "tensorflow";
        }
        if (n.startsWith("libtorch") || n.startsWith("libc10") || n.contains("djl_torch")) {
            return "pytorch";
        }
        return null;
    }

    /** Per engine id, whether its engine singleton exists (its provider's create() ran). */
    static Map<String, Boolean> enginesCreated() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        ENGINE_CLASSES.forEach((id, cls) -> out.put(id, created(cls)));
        return new java.util.TreeMap<>(out);
    }

    private static boolean created(String className) {
        try {
            Class<?> c = Class.forName(className, true, ProcessFacts.class.getClassLoader());
            for (Field f : c.getDeclaredFields()) {
                if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                if (f.getName().equals("instance")) {
                    // one engine per process
                    f.setAccessible(true);
                    return f.get(null) != null;
                }
                if (f.getName().equals("INSTANCES")) {
                    // one engine per settings (threads, precision) in the process
                    f.setAccessible(true);
                    return !((Map<?, ?>) f.get(null)).isEmpty();
                }
            }
            throw new NoSuchFieldException("neither 'instance' nor 'INSTANCES'");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot inspect " + className + "'s engine instances: " + e, e);
        }
    }
}
