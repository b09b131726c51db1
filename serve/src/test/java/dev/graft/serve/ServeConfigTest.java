package dev.graft.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.EngineSettings;
import org.junit.jupiter.api.Test;

/** The engine settings a server runs with: the cores divided among the batch workers, unless threads are set. */
class ServeConfigTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    @Test
    void eachWorkerGetsItsShareOfTheCoresWhereThreadsAreLeftToTheEngine() {
        EngineSettings bf16 = EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16).withInterOpThreads(3);
        assertThat(ServeConfig.engineSettings(bf16, 1).threads()).isEqualTo(CORES);
        assertThat(ServeConfig.engineSettings(bf16, 2).threads()).isEqualTo(Math.max(1, CORES / 2));
        assertThat(ServeConfig.engineSettings(bf16, CORES + 1).threads()).as("at least one each").isEqualTo(1);
        // the other settings go through unchanged
        assertThat(ServeConfig.engineSettings(bf16, 2).precision()).isEqualTo(EngineSettings.Precision.BF16);
        assertThat(ServeConfig.engineSettings(bf16, 2).interOpThreads()).isEqualTo(3);
    }

    @Test
    void threadsTheUserSetAreKept() {
        assertThat(ServeConfig.engineSettings(EngineSettings.defaults().withThreads(5), 2).threads()).isEqualTo(5);
        assertThatThrownBy(() -> ServeConfig.engineSettings(EngineSettings.defaults(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
    }
}
