package dev.graft.engine.pytorch.internal;

import static dev.graft.engine.pytorch.internal.PtMatchesTensorFlowTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.engine.spi.HostTensor;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#shareThreads}: a server's batch worker gets its share of PyTorch's intra-op threads (each calling thread
 * runs an OpenMP team of its own), while threads that did not ask keep the engine's setting.
 */
class PtShareThreadsTest {
    private Engine engine;
    private int before;

    @BeforeEach
    void fourThreads() throws Exception {
        engine = new PtEngineProvider().create(EngineSettings.defaults());
        before = onNewThread(JniUtils::getNumThreads);
        PtNativeLibrary.applyThreads(4, 0);
    }

    @AfterEach
    void restore() {
        PtNativeLibrary.applyThreads(before, 0);
    }

    /** Runs {@code c} on a thread that has run nothing in PyTorch before, as a new batch worker. */
    private static <T> T onNewThread(Callable<T> c) throws Exception {
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(c.call());
            } catch (Exception e) {
                failed.set(e);
            }
        });
        t.start();
        t.join();
        if (failed.get() != null) {
            throw failed.get();
        }
        return out.get();
    }

    @Test
    void aCallerGetsItsShareAndOtherThreadsKeepTheEngineSetting() throws Exception {
        // two callers of four threads: two each, seen by the caller's own later queries
        assertThat(onNewThread(() -> new int[] {engine.shareThreads(2), JniUtils.getNumThreads()})).containsExactly(2, 2);
        // a thread that did not ask, started afterwards, and the thread that set the engine up keep four
        assertThat(onNewThread(JniUtils::getNumThreads)).isEqualTo(4);
        assertThat(JniUtils.getNumThreads()).isEqualTo(4);
        // one caller keeps them all; more callers than threads get one each
        assertThat(onNewThread(() -> engine.shareThreads(1))).isEqualTo(4);
        assertThat(onNewThread(() -> new int[] {engine.shareThreads(6), JniUtils.getNumThreads()})).containsExactly(1, 1);
        assertThat(onNewThread(JniUtils::getNumThreads)).isEqualTo(4);
    }

    @Test
    void refusesFewerThanOneCallerNamingTheArgument() {
        assertThatThrownBy(() -> engine.shareThreads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("callers: must be at least 1, got 0");
    }

    @Test
    void aCallerWithItsShareComputesWhatPlainJavaDoes() throws Exception {
        float[] x = PtOpsTest.random(11, PtInferencePassTest.N * PtInferencePassTest.IN);
        try (CompiledModel m = engine.compile(PtInferencePassTest.build(false).network(), 3)) {
            float[] want = PtInferencePassTest.expected(x, m.parameters(), false);
            float[] got = onNewThread(() -> {
                assertThat(engine.shareThreads(4)).isEqualTo(1);
                return m.predict(Map.of("x", HostTensor.of(x, PtInferencePassTest.N, PtInferencePassTest.IN)), "y").floats();
            });
            assertClose("y from a caller with one thread", got, want, 1e-5);
        }
    }
}
