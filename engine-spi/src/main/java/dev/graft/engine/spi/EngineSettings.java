package dev.graft.engine.spi;

import java.util.Arrays;
import java.util.Locale;

/**
 * Engine-neutral execution settings, given to an engine when it is created: the threads one
 * operation may use ({@code threads}, 0 = the engine's default), the operations run at once
 * ({@code interOpThreads}, 0 = default), and the arithmetic precision of matrix products and
 * convolutions ({@link Precision}). Weights, optimizer state, losses and saved models stay fp32
 * in every precision.
 *
 * <p>From the command line: {@code --threads}, {@code --precision}; as system properties
 * {@value #THREADS}, {@value #INTEROP_THREADS}, {@value #PRECISION}; as environment variables
 * {@code GRAFT_THREADS}, {@code GRAFT_INTEROP_THREADS}, {@code GRAFT_PRECISION}.
 */
public record EngineSettings(int threads, int interOpThreads, Precision precision) {
    public static final String THREADS = "graft.threads";
    public static final String INTEROP_THREADS = "graft.interop.threads";
    public static final String PRECISION = "graft.precision";

    /** Arithmetic precision of the heavy operations. */
    public enum Precision {
        /** IEEE single precision throughout. */
        FP32,
        /**
         * bfloat16 matrix products and convolutions (fp32 accumulation), on CPUs that execute
         * bfloat16 natively; everything else, and all stored state, stays fp32.
         */
        BF16;

        /** Parses {@code fp32} or {@code bf16} (any case); the error lists the valid names. */
        public static Precision parse(String text, String where) {
            String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
            for (Precision p : values()) {
                if (p.name().equals(t)) {
                    return p;
                }
            }
            throw new IllegalArgumentException(where + ": unknown precision '" + text + "'; valid: "
                    + Arrays.stream(values()).map(p -> p.name().toLowerCase(Locale.ROOT)).toList());
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public EngineSettings {
        if (threads < 0 || threads > 4096) {
            throw new IllegalArgumentException("threads must be 0 (engine default) to 4096, got " + threads);
        }
        if (interOpThreads < 0 || interOpThreads > 4096) {
            throw new IllegalArgumentException("inter-op threads must be 0 (engine default) to 4096, got " + interOpThreads);
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
    }

    /** The engine's own defaults in fp32. */
    public static EngineSettings defaults() {
        return new EngineSettings(0, 0, Precision.FP32);
    }

    /** Settings from the system properties, then the environment, then {@link #defaults()}. */
    public static EngineSettings fromEnvironment() {
        return new EngineSettings(intSetting(THREADS, "GRAFT_THREADS"), intSetting(INTEROP_THREADS, "GRAFT_INTEROP_THREADS"),
                precisionSetting());
    }

    /**
     * These settings for one of {@code callers} threads calling the engine at once: where the threads are left to the
     * engine (0), the cores divided among the callers, at least one each, as a serving system divides the cores among
     * its workers; threads already set are kept.
     *
     * @throws IllegalArgumentException if {@code callers} is below 1
     */
    public EngineSettings sharedBy(int callers) {
        if (callers < 1) {
            throw new IllegalArgumentException("callers: must be at least 1, got " + callers);
        }
        return threads > 0 ? this : withThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / callers));
    }

    public EngineSettings withThreads(int n) {
        return new EngineSettings(n, interOpThreads, precision);
    }

    public EngineSettings withInterOpThreads(int n) {
        return new EngineSettings(threads, n, precision);
    }

    public EngineSettings withPrecision(Precision p) {
        return new EngineSettings(threads, interOpThreads, p);
    }

    /** A setting's text and where it came from: the system property, else the environment variable; null text if neither. */
    private record Setting(String text, String where) {
        static Setting of(String property, String env) {
            String v = System.getProperty(property);
            if (v != null && !v.isBlank()) {
                return new Setting(v, property);
            }
            v = System.getenv(env);
            return new Setting(v == null || v.isBlank() ? null : v, env);
        }
    }

    private static int intSetting(String property, String env) {
        Setting s = Setting.of(property, env);
        if (s.text() == null) {
            return 0;
        }
        try {
            return Integer.parseInt(s.text().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(s.where() + ": '" + s.text() + "' is not a whole number of threads (0 = engine default)");
        }
    }

    private static Precision precisionSetting() {
        Setting s = Setting.of(PRECISION, "GRAFT_PRECISION");
        return s.text() == null ? Precision.FP32 : Precision.parse(s.text(), s.where());
    }
}
