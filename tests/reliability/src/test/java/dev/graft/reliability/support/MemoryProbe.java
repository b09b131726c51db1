package dev.graft.reliability.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RSS samples over a run, and the growth after warm-up. Run the measured program with a fixed,
 * pre-touched heap ({@link #JVM_OPTIONS}) so that RSS changes come from native memory (TensorFlow
 * tensors, sessions, DJL buffers), not from the Java heap growing into its limit.
 */
public final class MemoryProbe {
    public static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC");
    private final List<long[]> samples = new ArrayList<>();

    /** Records (x, RSS kB) after a full GC and prints it. */
    public long sample(long x) {
        long kb = Rss.kbAfterGc();
        samples.add(new long[] {x, kb});
        System.out.println(String.format(Locale.ROOT, "rss x=%d kB=%d", x, kb));
        return kb;
    }

    /**
     * Growth from the first sample at or after {@code warmupX} to the end, in percent, using the
     * mean of the last three samples (smooths allocator noise).
     */
    public double growthPercent(long warmupX) {
        long base = -1;
        for (long[] s : samples) {
            if (s[0] >= warmupX) {
                base = s[1];
                break;
            }
        }
        int n = samples.size();
        double end = 0;
        int k = Math.min(3, n);
        for (int i = n - k; i < n; i++) {
            end += samples.get(i)[1];
        }
        end /= k;
        return 100.0 * (end - base) / base;
    }

    public long first() {
        return samples.get(0)[1];
    }

    public long max() {
        return samples.stream().mapToLong(s -> s[1]).max().orElse(0);
    }

    public long last() {
        return samples.get(samples.size() - 1)[1];
    }
}
