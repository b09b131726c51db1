package dev.graft.engine.spi.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitializerTest {
    private static final Shape SHAPE = Shape.of(3, 3, 32, 64);

    @Test
    void sameSeedAndNameGiveBitIdenticalValuesOtherwiseDifferent() {
        for (Initializer init : List.of(Initializer.glorotUniform(), Initializer.heNormal(), Initializer.heUniform(),
                Initializer.normal(0.1), Initializer.truncatedNormal(0.02))) {
            HostTensor a = init.create(SHAPE, DType.FLOAT32, 7, "layer.kernel");
            assertThat(init.create(SHAPE, DType.FLOAT32, 7, "layer.kernel").bitEquals(a)).as(init.spec()).isTrue();
            assertThat(init.create(SHAPE, DType.FLOAT32, 8, "layer.kernel").bitEquals(a)).as(init.spec()).isFalse();
            assertThat(init.create(SHAPE, DType.FLOAT32, 7, "layer.bias").bitEquals(a)).as(init.spec()).isFalse();
            assertThat(Initializer.parse(init.spec())).isEqualTo(init);
        }
    }

    @Test
    void fanScaledInitializersHaveTheirDocumentedRanges() {
        double fanIn = 3 * 3 * 32;
        double fanOut = 3 * 3 * 64;
        float[] g = Initializer.glorotUniform().create(SHAPE, DType.FLOAT32, 1, "w").floats();
        double limit = Math.sqrt(6 / (fanIn + fanOut));
        assertThat(max(g)).isLessThanOrEqualTo((float) limit).isGreaterThan((float) (0.98 * limit));
        float[] h = Initializer.heNormal().create(SHAPE, DType.FLOAT32, 1, "w").floats();
        assertThat(std(h)).isCloseTo(Math.sqrt(2 / fanIn), org.assertj.core.data.Percentage.withPercentage(3));
        float[] t = Initializer.truncatedNormal(0.02).create(Shape.of(10000), DType.FLOAT32, 1, "t").floats();
        assertThat(max(t)).isLessThanOrEqualTo(0.04f);
        assertThat(Initializer.constant(0.5).create(Shape.of(4), DType.FLOAT32, 0, "c").floats()).containsOnly(0.5f);
        assertThat(Initializer.zeros().create(Shape.of(3), DType.INT32, 0, "i").ints()).containsOnly(0);
        assertThatThrownBy(() -> Initializer.parse("orthogonal")).hasMessageContaining("unknown initializer");
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    private static double std(float[] v) {
        double s = 0;
        double s2 = 0;
        for (float f : v) {
            s += f;
            s2 += f * f;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }
}
