package dev.graft.core.internal.train;

import java.util.SplittableRandom;

/**
 * Every random stream of a run is derived from the run's seed and a position (epoch, step), never
 * carried from step to step. So the random state at any point is fully described by
 * {@code (seed, epoch, step)}, which is what a checkpoint records, and a resumed run draws exactly
 * what the uninterrupted run would have.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A well-mixed 64-bit value from a seed and a sequence of positions (SplitMix64 finalizer). */
    public static long derive(long seed, long... positions) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (long p : positions) {
            h = mix(h + 0x9E3779B97F4A7C15L * (p + 1));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A permutation of {@code 0..n-1} drawn from {@code seed} (Fisher-Yates). */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
