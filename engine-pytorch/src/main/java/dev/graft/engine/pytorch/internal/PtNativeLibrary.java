package dev.graft.engine.pytorch.internal;

import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.io.CacheFolder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * Makes DJL's PyTorch engine load offline, with no step by the user. DJL would extract the
 * libraries of {@code ai.djl.pytorch:pytorch-native-cpu} into {@code ~/.djl.ai} and look for the
 * JNI bridge there too; instead the libtorch files (listed in the jar's
 * {@code native/lib/pytorch.properties}) and {@code libdjl_torch.so} from
 * {@code ai.djl.pytorch:pytorch-jni} are extracted once into Graft's cache folder and DJL is
 * pointed at it with {@code PYTORCH_LIBRARY_PATH}, so nothing is fetched or written elsewhere.
 *
 * <p>The native jar must be on the class path: its {@code Automatic-Module-Name}
 * ({@code ai.djl.pytorch_native_cpu_linux-x86_64}) is not a valid module name, so the JVM refuses
 * it on the module path. Its resources are found from the class path either way.
 */
final class PtNativeLibrary {
    static final String NATIVE_ARTIFACT = "ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64";
    static final String JNI_ARTIFACT = "ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0";
    private static final String PROPERTIES = "native/lib/pytorch.properties";
    private static final String JNI_LIB = "libdjl_torch.so";
    private static final Logger LOG = Logger.getLogger(PtNativeLibrary.class.getName());

    private static volatile Path loaded;
    private static volatile String torchVersion;

    private PtNativeLibrary() {
    }

    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))
                && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return "linux-x86_64";
        }
        return null;
    }

    static boolean isSupported() {
        if (preset() != null) {
            return true;
        }
        // a missing native jar is reported by create(), which says which artifact to add and where
        return platform() != null;
    }

    private static String preset() {
        String p = System.getProperty("PYTORCH_LIBRARY_PATH", System.getenv("PYTORCH_LIBRARY_PATH"));
        return p == null || p.isBlank() ? null : p;
    }

    private static ClassLoader loader() {
        ClassLoader cl = PtNativeLibrary.class.getClassLoader();
        return cl != null ? cl : ClassLoader.getSystemClassLoader();
    }

    /** The libtorch version string of the loaded runtime, e.g. {@code 2.7.1}. */
    static String version() {
        return torchVersion;
    }

    /** Ensures the libraries are extracted and DJL's PyTorch engine loaded; returns the folder. */
    static synchronized Path ensureLoaded() {
        if (loaded != null) {
            return loaded;
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        String preset = preset();
        Path dir;
        if (preset != null) {
            dir = Paths.get(preset);
        } else {
            dir = extract();
            System.setProperty("PYTORCH_LIBRARY_PATH", dir.toString());
        }
        try {
            ai.djl.engine.Engine djl = ai.djl.engine.Engine.getEngine("PyTorch");
            torchVersion = djl.getVersion();
            // the loading thread's autograd mode; every other thread sets its own (it is thread-local)
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            String threads = System.getProperty("graft.pytorch.threads", System.getenv("GRAFT_PYTORCH_THREADS"));
            if (threads != null && !threads.isBlank()) {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(Integer.parseInt(threads.trim()));
            }
            LOG.fine(() -> "DJL PyTorch engine " + torchVersion + " from " + dir);
        } catch (RuntimeException | LinkageError e) {
            throw new EngineException("DJL's PyTorch engine failed to load the native library from " + dir + ": "
                    + e.getMessage() + ". Make sure " + NATIVE_ARTIFACT + " is on the class path and "
                    + JNI_ARTIFACT + " on the class or module path.", e);
        }
        loaded = dir;
        return dir;
    }

    /**
     * Sets PyTorch's intra-op threads (0 = leave) and, once per process before any parallel work,
     * its inter-op threads (0 = leave; a later change is refused by PyTorch and ignored here with a
     * warning).
     */
    static synchronized void applyThreads(int threads, int interOp) {
        if (threads > 0) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        if (interOp > 0) {
            try {
                ai.djl.pytorch.jni.JniUtils.setNumInteropThreads(interOp);
            } catch (RuntimeException e) {
                LOG.warning("PyTorch kept its inter-op threads (" + e.getMessage() + ")");
            }
        }
    }

    /**
     * Gives the calling thread its share of PyTorch's intra-op threads, {@code 1/callers} of them and at least one, and
     * returns it. libtorch's {@code set_num_threads} sets the caller's own OpenMP and MKL thread counts, and also the
     * process-wide count that a thread adopts on its first parallel operation; that one is put back at once from a
     * short-lived thread, so only the caller changes.
     */
    static synchronized int shareThreads(int callers) {
        if (callers < 1) {
            throw new IllegalArgumentException("callers: must be at least 1, got " + callers);
        }
        // on a thread that has run nothing yet this is the process-wide count, which it adopts here
        int total = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        int share = Math.max(1, total / callers);
        if (share != total) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(share);
            Thread restore = new Thread(() -> ai.djl.pytorch.jni.JniUtils.setNumThreads(total), "graft-pytorch-threads");
            restore.start();
            try {
                restore.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return share;
    }

    private static Path extract() {
        String platform = platform();
        if (platform == null) {
            throw new EngineException("the PyTorch engine has native libraries for linux-x86_64 only; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + ". Set PYTORCH_LIBRARY_PATH to a folder holding libtorch 2.7.1 and libdjl_torch.");
        }
        ClassLoader cl = loader();
        Properties props = nativeProperties(cl, platform);
        String version = props.getProperty("version");
        String flavor = props.getProperty("flavor", "cpu");
        String base = "pytorch/" + flavor + "/" + platform + "/";
        List<String> libs = new ArrayList<>();
        Collections.addAll(libs, props.getProperty("libraries", "").split(","));
        libs.removeIf(String::isBlank);
        if (libs.isEmpty() || version == null) {
            throw new EngineException(PROPERTIES + " in " + NATIVE_ARTIFACT + " lists no libraries: reinstall it");
        }
        String jniResource = "jnilib/" + platform + "/" + flavor + "/" + JNI_LIB;
        URL jni = cl.getResource(jniResource);
        if (jni == null) {
            throw new EngineException("PyTorch JNI bridge not found (" + jniResource + "): add the dependency "
                    + JNI_ARTIFACT + " to the class or module path");
        }
        String jniVersion = jniVersion(cl);
        Path dir = CacheFolder.root().resolve("native").resolve("pytorch-" + version + "-" + flavor + "-" + platform + "-jni-" + jniVersion);
        try {
            boolean fresh = !Files.isRegularFile(dir.resolve(".complete"));
            CacheFolder.fillOnce(dir, tmp -> {
                for (String lib : libs) {
                    copy(cl, base + lib.trim(), tmp.resolve(lib.trim()), NATIVE_ARTIFACT);
                }
                copy(cl, jniResource, tmp.resolve(JNI_LIB), JNI_ARTIFACT);
            });
            if (fresh) {
                LOG.info(() -> "extracted PyTorch " + version + " native libraries to " + dir);
            }
            return dir;
        } catch (IOException e) {
            throw new EngineException("could not extract the PyTorch native libraries to " + dir + ": " + e, e);
        }
    }

    /** The {@code pytorch.properties} of the native jar for this platform. */
    private static Properties nativeProperties(ClassLoader cl, String platform) {
        try {
            List<URL> urls = Collections.list(cl.getResources(PROPERTIES));
            for (URL u : urls) {
                Properties p = new Properties();
                try (InputStream in = u.openStream()) {
                    p.load(in);
                }
                if (platform.equals(p.getProperty("classifier"))) {
                    return p;
                }
            }
        } catch (IOException e) {
            throw new EngineException("could not read " + PROPERTIES + " from " + NATIVE_ARTIFACT + ": " + e, e);
        }
        throw new EngineException("PyTorch native library not found: add the dependency " + NATIVE_ARTIFACT
                + " (groupId ai.djl.pytorch, artifactId pytorch-native-cpu, version 2.7.1, classifier " + platform
                + ") to the CLASS path. It cannot go on the module path: its Automatic-Module-Name "
                + "'ai.djl.pytorch_native_cpu_linux-x86_64' is not a valid module name.");
    }

    private static String jniVersion(ClassLoader cl) {
        try (InputStream in = cl.getResourceAsStream("jnilib/pytorch.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("jni_version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void copy(ClassLoader cl, String resource, Path target, String artifact) throws IOException {
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) {
                throw new EngineException("PyTorch native jar is incomplete (no " + resource + "): reinstall " + artifact);
            }
            Files.copy(in, target);
        }
    }

}
