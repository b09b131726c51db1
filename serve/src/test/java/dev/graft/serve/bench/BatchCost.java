package dev.graft.serve.bench;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Offline cost of one engine call by batch size, on the model {@link ServeBenchmark} saved: the process's CPU
 * milliseconds and the wall time per text for {@code Predictor.predict} calls of 1 to 32 texts, in interleaved
 * passes so each size sees the same background load. Shows what a served batch of a given size costs the engine.
 * <p>Arguments: {@code [engine|default] [seconds-per-size] [passes] [sizes, comma-separated]};
 * {@code -Dbench.otherThread=true} makes the calls from a thread started for them instead of {@code main}.
 */
public final class BatchCost {
    private BatchCost() {
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("bench.otherThread")) {
            // the calls from a thread of their own, as the server's batch worker makes them
            Throwable[] failed = new Throwable[1];
            Thread t = new Thread(() -> {
                try {
                    run(args);
                } catch (Throwable e) {
                    failed[0] = e;
                }
            }, "graft-serve-batcher-bench");
            t.start();
            t.join();
            if (failed[0] != null) {
                throw new IllegalStateException(failed[0]);
            }
            return;
        }
        run(args);
    }

    /** The process's system CPU time (10 ms ticks) and minor page faults so far, from /proc/self/stat. */
    private static long[] sysAndFaults() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[12]), Long.parseLong(f[7])};
    }

    private static void run(String[] args) throws Exception {
        String engine = ServeBenchmark.engineArg(args);
        double seconds = ServeBenchmark.number(args, 1, 3);
        int passes = ServeBenchmark.whole(args, 2, 3);
        String[] sizes = (args.length > 3 ? args[3] : "1,4,8,12,16,24,32").split(",");
        Graft g = Graft.create();
        Path model = Path.of("target", "serve-bench", "model-" + (engine == null ? "default" : engine));
        List<Example> pool = ServeBenchmark.texts(512, 99);
        double[][] cpu = new double[sizes.length][passes];
        double[][] rate = new double[sizes.length][passes];
        double[][] sys = new double[sizes.length][passes];
        double[][] faults = new double[sizes.length][passes];
        try (Predictor p = Predictor.open(TrainedModel.load(model), g.engines().get(engine), g.backbones())) {
            for (int k = 0; k < sizes.length; k++) {
                int n = Integer.parseInt(sizes[k]);
                for (int from = 0; from + n <= 256; from += n) {
                    p.predict(pool.subList(from, from + n));
                }
            }
            for (int pass = 0; pass < passes; pass++) {
                for (int k = 0; k < sizes.length; k++) {
                    int n = Integer.parseInt(sizes[k]);
                    long c0 = ServeBenchmark.cpuNanos();
                    long[] s0 = sysAndFaults();
                    long w0 = System.nanoTime();
                    long texts = ServeBenchmark.predictFor(p, pool, n, 0, w0, seconds);
                    double wall = (System.nanoTime() - w0) / 1e9;
                    cpu[k][pass] = (ServeBenchmark.cpuNanos() - c0) / 1e6 / texts;
                    rate[k][pass] = texts / wall;
                    long[] s1 = sysAndFaults();
                    sys[k][pass] = (s1[0] - s0[0]) * 10.0 / texts;
                    faults[k][pass] = (double) (s1[1] - s0[1]) / texts;
                }
            }
        }
        System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.println("calls from thread '" + Thread.currentThread().getName() + "'");
        System.out.println("| texts per call | CPU ms/text (median of " + passes + ") | of which system | minor page faults/text | texts/s (median) |");
        System.out.println("|---|---|---|---|---|");
        for (int k = 0; k < sizes.length; k++) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.0f | %.1f |%n", sizes[k], ServeBenchmark.median(cpu[k]),
                    ServeBenchmark.median(sys[k]), ServeBenchmark.median(faults[k]), ServeBenchmark.median(rate[k]));
        }
    }
}
