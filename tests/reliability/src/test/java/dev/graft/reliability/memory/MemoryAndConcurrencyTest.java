package dev.graft.reliability.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.reliability.support.ChildJvm;
import dev.graft.reliability.support.MemoryProbe;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Short versions of the two measurement programs, each in a child JVM with a fixed pre-touched heap
 * so that RSS growth is native growth. The full runs (60 s, 2,000 steps) and their figures are in
 * docs/reliability.md.
 */
class MemoryAndConcurrencyTest {
    static Map<String, String> result(ChildJvm child) {
        String line = child.lines().stream().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line; output:\n" + child.output()));
        Map<String, String> m = new HashMap<>();
        for (String kv : line.substring(7).split(" ")) {
            m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        System.out.println(line);
        return m;
    }

    @Test
    void sixteenThreadsPredictIdenticallyToOneWithFlatResidentMemory() throws Exception {
        try (ChildJvm c = ChildJvm.start(MemoryProbe.JVM_OPTIONS, ConcurrentPredictionSoak.class, "10", "16")) {
            assertThat(c.await(180)).as(c.output()).isZero();
            Map<String, String> r = result(c);
            assertThat(Long.parseLong(r.get("predictions"))).isGreaterThan(1000);
            assertThat(r.get("mismatches")).isEqualTo("0");
            assertThat(r.get("errors")).isEqualTo("0");
            assertThat(Double.parseDouble(r.get("growthPct"))).as("RSS growth after warm-up, %").isLessThan(5.0);
        }
    }

    @Test
    void trainingStepsKeepResidentMemoryWithinFivePercentAfterWarmUp() throws Exception {
        try (ChildJvm c = ChildJvm.start(MemoryProbe.JVM_OPTIONS, LongTrainingRun.class, "600", "150")) {
            assertThat(c.await(240)).as(c.output()).isZero();
            Map<String, String> r = result(c);
            assertThat(Double.parseDouble(r.get("growthPct"))).as("RSS growth after warm-up, %").isLessThan(5.0);
            assertThat(Double.parseDouble(r.get("lastLoss"))).isLessThan(Double.parseDouble(r.get("firstLoss")));
        }
    }
}
