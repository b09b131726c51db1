package dev.graft.engine.tensorflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * {@code shareThreads} on TensorFlow: a thread that is one of several callers runs its calls' graphs itself instead of
 * handing each op to the inter-op pool, with the same answers; one caller alone goes back to the pool.
 */
class TfShareThreadsTest {
    /** The calling thread's time on a CPU so far, in nanoseconds (the kernel's schedstat; TensorFlow runs on Linux here). */
    private static long threadCpuNanos() throws IOException {
        return Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split(" ")[0]);
    }

    /** Many small ops, none worth splitting over threads: where they run shows in the caller's own CPU time. */
    private static CompiledModel chain(Engine e) {
        NetworkBuilder b = new NetworkBuilder();
        Node x = b.input("x", DType.FLOAT32, -1, 64);
        Node h = x;
        for (int i = 0; i < 100; i++) {
            h = b.relu(Layers.dense(b, "fc" + i, h, 64));
        }
        b.output("y", h);
        return e.compile(b.build(), 3);
    }

    private record Run(float[] y, long callerCpuNanos) {
    }

    /** {@code calls} predictions on a thread of its own that first shares the engine with {@code callers}. */
    private static Run run(Engine e, CompiledModel m, HostTensor x, int callers, int calls) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            return ex.submit(() -> {
                e.shareThreads(callers);
                for (int i = 0; i < 20; i++) {
                    m.predict(Map.of("x", x), "y");
                }
                long c0 = threadCpuNanos();
                float[] y = null;
                for (int i = 0; i < calls; i++) {
                    y = m.predict(Map.of("x", x), "y").floats();
                }
                return new Run(y, threadCpuNanos() - c0);
            }).get();
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void oneOfSeveralCallersRunsTheGraphInItsOwnThreadWithTheSameAnswers() throws Exception {
        Engine e = new TfEngineProvider().create(EngineSettings.defaults());
        float[] v = new float[8 * 64];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble();
        }
        HostTensor x = HostTensor.of(v, 8, 64);
        try (CompiledModel m = chain(e)) {
            Run alone = run(e, m, x, 1, 300);
            Run shared = run(e, m, x, 2, 300);
            assertThat(shared.y()).containsExactly(alone.y());
            // in the caller, its thread does the 300 ops of every call; handed to the pool, it feeds, waits and fetches
            assertThat(shared.callerCpuNanos()).as("caller CPU: one of two callers %d ns, alone %d ns", shared.callerCpuNanos(),
                    alone.callerCpuNanos()).isGreaterThan(2 * alone.callerCpuNanos());
            Run aloneAgain = run(e, m, x, 1, 300);
            assertThat(aloneAgain.callerCpuNanos()).as("back to one caller").isLessThan(shared.callerCpuNanos() / 2);
        }
        assertThatThrownBy(() -> e.shareThreads(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callers");
    }
}
