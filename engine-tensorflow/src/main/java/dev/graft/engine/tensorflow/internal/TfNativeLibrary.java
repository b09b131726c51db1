package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.io.CacheFolder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.logging.Logger;

/**
 * Makes DJL's TensorFlow engine load offline, with no step by the user: the TensorFlow 2.16
 * native libraries are extracted once from the {@code org.tensorflow:tensorflow-core-native}
 * jar on the class or module path into a cache folder, and DJL is pointed at them through
 * {@code TENSORFLOW_LIBRARY_PATH} before it first loads.
 * <p>DJL's engine opens TensorFlow's eager context as it loads, and that first context sizes
 * TensorFlow's process-wide intra-op pool (and the default inter-op pool) for the rest of the
 * process: sessions configured later keep it. So the first settings' thread counts are handed
 * to DJL ({@code ai.djl.tensorflow.num_intraop_threads} and {@code num_interop_threads}, unless
 * already set), and {@link #poolThreads()} tells what the process got.
 */
final class TfNativeLibrary {
    static final String ARTIFACT = "org.tensorflow:tensorflow-core-native:1.0.0:linux-x86_64";
    static final String TF_VERSION = "2.16.2";
    private static final Logger LOG = Logger.getLogger(TfNativeLibrary.class.getName());
    private static final List<String> FILES = List.of("libtensorflow_framework.so.2", "libtensorflow_cc.so.2", "libjnitensorflow.so");

    static final String DJL_INTRAOP = "ai.djl.tensorflow.num_intraop_threads";
    static final String DJL_INTEROP = "ai.djl.tensorflow.num_interop_threads";

    private static volatile Path loaded;
    /** The intra-op threads TensorFlow's pool was sized with when it loaded: 0 for its default (the cores). */
    private static volatile int poolThreads;

    private TfNativeLibrary() {
    }

    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
            return "linux-x86_64";
        }
        return null;
    }

    static boolean isSupported() {
        return platform() != null || System.getenv("TENSORFLOW_LIBRARY_PATH") != null
                || System.getProperty("TENSORFLOW_LIBRARY_PATH") != null;
    }

    /** {@link #ensureLoaded(EngineSettings)} with the settings of the environment. */
    static Path ensureLoaded() {
        return ensureLoaded(EngineSettings.fromEnvironment());
    }

    /**
     * Ensures the libraries are extracted and DJL configured; returns the library folder. The first call of a
     * process sizes TensorFlow's thread pools from {@code settings}; a later call with other thread counts logs
     * that the pools keep the first size.
     */
    static synchronized Path ensureLoaded(EngineSettings settings) {
        if (loaded != null) {
            if (settings.threads() > 0 && settings.threads() != effectivePoolThreads()) {
                LOG.warning(() -> "TensorFlow's intra-op pool was sized when it loaded in this process ("
                        + (poolThreads > 0 ? poolThreads + " threads" : "its default, " + Runtime.getRuntime().availableProcessors() + " threads")
                        + "); threads=" + settings.threads() + " does not resize it");
            }
            return loaded;
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (settings.threads() > 0 && System.getProperty(DJL_INTRAOP) == null) {
            System.setProperty(DJL_INTRAOP, Integer.toString(settings.threads()));
        }
        if (settings.interOpThreads() > 0 && System.getProperty(DJL_INTEROP) == null) {
            System.setProperty(DJL_INTEROP, Integer.toString(settings.interOpThreads()));
        }
        poolThreads = Integer.getInteger(DJL_INTRAOP, 0);
        String preset = System.getProperty("TENSORFLOW_LIBRARY_PATH", System.getenv("TENSORFLOW_LIBRARY_PATH"));
        Path dir;
        if (preset != null && !preset.isBlank()) {
            dir = Paths.get(preset);
        } else {
            dir = extract();
            System.setProperty("TENSORFLOW_LIBRARY_PATH", dir.toString());
        }
        try {
            ai.djl.engine.Engine djl = ai.djl.engine.Engine.getEngine("TensorFlow");
            LOG.fine(() -> "DJL TensorFlow engine " + djl.getVersion() + " from " + dir);
        } catch (RuntimeException | LinkageError e) {
            throw new EngineException("DJL's TensorFlow engine failed to load the native library from " + dir
                    + ": " + e.getMessage() + ". Make sure " + ARTIFACT + " is on the class or module path.", e);
        }
        loaded = dir;
        return dir;
    }

    /** The intra-op threads of TensorFlow's process-wide pool as it loaded: 0 for its default (one per core). */
    static int poolThreads() {
        return poolThreads;
    }

    /** The intra-op pool's thread count, its default being one thread per core. */
    static int effectivePoolThreads() {
        return poolThreads > 0 ? poolThreads : Runtime.getRuntime().availableProcessors();
    }

    private static Path extract() {
        String platform = platform();
        if (platform == null) {
            throw new EngineException("the TensorFlow engine has native libraries for linux-x86_64 only; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + ". Set TENSORFLOW_LIBRARY_PATH to a folder holding TensorFlow " + TF_VERSION + "'s libjnitensorflow.");
        }
        String base = "org/tensorflow/internal/c_api/" + platform + "/";
        ClassLoader cl = TfNativeLibrary.class.getClassLoader();
        URL marker = cl.getResource(base + "libjnitensorflow.so");
        if (marker == null) {
            throw new EngineException("TensorFlow native library not found: add the dependency " + ARTIFACT
                    + " (groupId org.tensorflow, artifactId tensorflow-core-native, version 1.0.0, classifier "
                    + platform + ") to the class or module path");
        }
        Path cacheRoot = CacheFolder.root();
        long stamp;
        try {
            stamp = marker.openConnection().getContentLengthLong();
        } catch (IOException e) {
            stamp = 0;
        }
        Path dir = cacheRoot.resolve("native").resolve("tensorflow-" + TF_VERSION + "-" + platform + "-" + stamp);
        try {
            boolean fresh = !Files.isRegularFile(dir.resolve(".complete"));
            CacheFolder.fillOnce(dir, tmp -> {
                for (String f : FILES) {
                    try (InputStream in = cl.getResourceAsStream(base + f)) {
                        if (in == null) {
                            throw new EngineException("TensorFlow native jar is incomplete (no " + f + "): reinstall " + ARTIFACT);
                        }
                        Files.copy(in, tmp.resolve(f));
                    }
                }
            });
            if (fresh) {
                LOG.info(() -> "extracted TensorFlow " + TF_VERSION + " native libraries to " + dir);
            }
            return dir;
        } catch (IOException e) {
            throw new EngineException("could not extract the TensorFlow native libraries to " + dir + ": " + e, e);
        }
    }

}
