package dev.graft.spark.internal;

import dev.graft.core.Graft;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Logger;
import org.apache.spark.SparkEnv;

/**
 * The models of one executor JVM: each backbone or saved model is loaded once, on first use, and
 * reused by every later partition and task of every job in this JVM (keyed by everything that
 * changes its output). Loading is serialised per key, so two tasks starting together load once.
 */
public final class ExecutorModels {
    private static final Logger LOG = Logger.getLogger(ExecutorModels.class.getName());
    private static final Map<String, AutoCloseable> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static volatile Graft graft;

    private ExecutorModels() {
    }

    /** This JVM's Graft: plugins and engines found once by ServiceLoader. */
    public static Graft graft() {
        Graft g = graft;
        if (g == null) {
            synchronized (ExecutorModels.class) {
                if (graft == null) {
                    engineThreads();
                    graft = Graft.create();
                }
                g = graft;
            }
        }
        return g;
    }

    /** The model for {@code key}, loaded with {@code load} the first time this JVM asks for it. */
    @SuppressWarnings("unchecked")
    public static <T extends AutoCloseable> T get(String key, Function<Graft, T> load) {
        return (T) MODELS.computeIfAbsent(key, k -> {
            long t0 = System.nanoTime();
            T m = load.apply(graft());
            LOADS.incrementAndGet();
            LOG.info(() -> String.format("loaded %s in %.1f s", k, (System.nanoTime() - t0) / 1e9));
            return m;
        });
    }

    /** How many models this JVM has loaded since it started (or since {@link #clear()}). */
    public static int loads() {
        return LOADS.get();
    }

    /** Closes and forgets every model of this JVM (tests; a long-lived executor freeing memory). */
    public static synchronized void clear() {
        for (AutoCloseable m : MODELS.values()) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.warning("closing a model: " + e);
            }
        }
        MODELS.clear();
        LOADS.set(0);
    }

    /**
     * Engine threads follow {@code spark.task.cpus}: applied once, before the first engine loads,
     * unless the user set the engine's own knob. TensorFlow reads its pool sizes from the process
     * environment only ({@code TF_NUM_INTRAOP_THREADS}), which the launcher sets through
     * {@code spark.executorEnv}.
     */
    private static void engineThreads() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return;
        }
        String cpus = env.conf().get("spark.task.cpus", "1");
        if (System.getProperty("graft.pytorch.threads") == null && System.getenv("GRAFT_PYTORCH_THREADS") == null) {
            System.setProperty("graft.pytorch.threads", cpus);
        }
    }
}
