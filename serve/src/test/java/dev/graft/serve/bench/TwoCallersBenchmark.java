package dev.graft.serve.bench;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine alone at a served batch size: {@link Predictor#predict} calls of {@code n} texts from one thread, against
 * the same calls from two threads at once, each with its share of the engine's threads (what the server's two batch
 * workers make, without HTTP), in alternating windows on the model {@link ServeBenchmark} saved. Prints texts per
 * second and the process's CPU milliseconds per text of each window.
 * <p>Arguments: {@code [engine|default] [texts-per-call] [seconds-per-window] [rounds]} (defaults: default 8 4 2).
 */
public final class TwoCallersBenchmark {
    private TwoCallersBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String engineId = ServeBenchmark.engineArg(args);
        int n = ServeBenchmark.whole(args, 1, 8);
        double seconds = ServeBenchmark.number(args, 2, 4);
        int rounds = ServeBenchmark.whole(args, 3, 2);
        Graft g = Graft.create();
        Engine engine = g.engines().get(engineId);
        List<Example> pool = ServeBenchmark.texts(512, 99);
        Path dir = Path.of("target", "serve-bench", "model-" + (engineId == null ? "default" : engineId));
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim() + "; engine " + engine.id()
                + ", calls of " + n + " texts");
        try (Predictor p = Predictor.open(TrainedModel.load(dir), engine, g.backbones())) {
            for (int i = 0; i < 20; i++) {
                p.predict(pool.subList(0, n));
            }
            for (int r = 1; r <= rounds; r++) {
                long c0 = ServeBenchmark.cpuNanos();
                long w0 = System.nanoTime();
                long texts = ServeBenchmark.predictFor(p, pool, n, 0, w0, seconds);
                report(r, "one caller ", texts, w0, c0);
                AtomicLong both = new AtomicLong();
                long c1 = ServeBenchmark.cpuNanos();
                long w1 = System.nanoTime();
                Thread[] t = new Thread[2];
                for (int k = 0; k < 2; k++) {
                    int start = k * 64;
                    t[k] = new Thread(() -> {
                        engine.shareThreads(2);
                        both.addAndGet(ServeBenchmark.predictFor(p, pool, n, start, w1, seconds));
                    }, "caller-" + k);
                    t[k].start();
                }
                for (Thread x : t) {
                    x.join();
                }
                report(r, "two callers", both.get(), w1, c1);
            }
        }
    }

    private static void report(int round, String what, long texts, long w0, long c0) throws java.io.IOException {
        double wall = (System.nanoTime() - w0) / 1e9;
        System.out.printf(Locale.ROOT, "round %d  %s  %7.1f texts/s  %.2f CPU ms/text%n", round, what, texts / wall,
                (ServeBenchmark.cpuNanos() - c0) / 1e6 / texts);
    }
}
