package dev.graft.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineSettingsTest {
    @TempDir
    Path dir;

    @Test
    void systemPropertiesChooseThreadsAndPrecision() {
        System.setProperty(EngineSettings.THREADS, "3");
        System.setProperty(EngineSettings.PRECISION, "BF16");
        try {
            EngineSettings s = EngineSettings.fromEnvironment();
            assertThat(s.threads()).isEqualTo(3);
            assertThat(s.precision()).isEqualTo(EngineSettings.Precision.BF16);
        } finally {
            System.clearProperty(EngineSettings.THREADS);
            System.clearProperty(EngineSettings.PRECISION);
        }
        assertThat(EngineSettings.fromEnvironment()).isEqualTo(EngineSettings.defaults());
    }

    @Test
    void badValuesNameTheSettingAndTheValidChoices() {
        assertThatThrownBy(() -> EngineSettings.Precision.parse("fp16", "--precision"))
                .hasMessageContaining("--precision").hasMessageContaining("'fp16'").hasMessageContaining("[fp32, bf16]");
        System.setProperty(EngineSettings.THREADS, "many");
        try {
            assertThatThrownBy(EngineSettings::fromEnvironment).hasMessageContaining("graft.threads").hasMessageContaining("'many'");
        } finally {
            System.clearProperty(EngineSettings.THREADS);
        }
        assertThatThrownBy(() -> EngineSettings.defaults().withThreads(-1)).hasMessageContaining("threads");
    }

    @Test
    void sharedByDividesTheCoresAmongTheCallersWhereThreadsAreLeftToTheEngine() {
        int cores = Runtime.getRuntime().availableProcessors();
        EngineSettings bf16 = EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16).withInterOpThreads(2);
        assertThat(bf16.sharedBy(1).threads()).isEqualTo(cores);
        assertThat(bf16.sharedBy(2)).isEqualTo(bf16.withThreads(Math.max(1, cores / 2)));
        assertThat(bf16.sharedBy(cores + 1).threads()).as("at least one each").isEqualTo(1);
        assertThat(bf16.withThreads(5).sharedBy(2).threads()).as("threads already set").isEqualTo(5);
        assertThatThrownBy(() -> bf16.sharedBy(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callers");
    }

    @Test
    void anEngineWithoutMixedPrecisionRefusesBf16ByName() {
        EngineProvider fp32Only = new TestEngineProvider();
        assertThatThrownBy(() -> fp32Only.create(EngineSettings.defaults().withPrecision(EngineSettings.Precision.BF16)))
                .isInstanceOf(EngineException.class).hasMessageContaining(fp32Only.id()).hasMessageContaining("bf16");
    }

    @Test
    void cpuFlagsAreReadFromCpuinfo() throws Exception {
        Path info = dir.resolve("cpuinfo");
        Files.writeString(info, "processor\t: 0\nmodel name\t: test\nflags\t\t: fpu sse avx512f avx512_bf16 avx512_vnni\n\n"
                + "processor\t: 1\nflags\t\t: fpu\n");
        assertThat(CpuFeatures.read(info)).contains("avx512_bf16", "fpu").doesNotContain("amx_bf16");
        assertThat(CpuFeatures.nativeBf16(CpuFeatures.read(info))).isTrue();
        Files.writeString(info, "flags\t\t: fpu sse avx2\n");
        assertThat(CpuFeatures.nativeBf16(CpuFeatures.read(info))).isFalse();
        assertThat(CpuFeatures.read(dir.resolve("missing"))).isEmpty();
    }
}
