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
 * Offline prediction ({@link Predictor#predict} on 128 texts at a time, batches of 32, as {@code graft predict}
 * runs a file) with one caller against two ({@value Predictor#CALLERS_PROPERTY}), on the model
 * {@link ServeBenchmark} saved, in one JVM: the two predictors are opened side by side and measured in
 * alternating windows so both see the same background load. Prints texts per second and the process's CPU
 * milliseconds per text of each window, and the medians.
 * <p>Arguments: {@code [engine|default] [seconds-per-window] [rounds]} (defaults: default 5 4).
 */
public final class PredictCallersBenchmark {
    private PredictCallersBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String engine = ServeBenchmark.engineArg(args);
        double seconds = ServeBenchmark.number(args, 1, 5);
        int rounds = ServeBenchmark.whole(args, 2, 4);
        Graft g = Graft.create();
        Path dir = Path.of("target", "serve-bench", "model-" + (engine == null ? "default" : engine));
        TrainedModel model = TrainedModel.load(dir);
        List<Example> pool = ServeBenchmark.texts(512, 99);
        Predictor[] p = new Predictor[2];
        System.setProperty(Predictor.CALLERS_PROPERTY, "1");
        p[0] = Predictor.open(model, g.engines().get(engine), g.backbones());
        System.setProperty(Predictor.CALLERS_PROPERTY, "2");
        p[1] = Predictor.open(model, g.engines().get(engine), g.backbones());
        System.clearProperty(Predictor.CALLERS_PROPERTY);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim() + "; engine "
                + g.engines().get(engine).id());
        try {
            for (Predictor q : p) {
                for (int from = 0; from + 128 <= pool.size(); from += 128) {
                    q.predict(pool.subList(from, from + 128));
                }
            }
            double[][] rate = new double[2][rounds];
            double[][] cpu = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int s = 0; s < 2; s++) {
                    int k = r % 2 == 0 ? s : 1 - s;
                    long c0 = ServeBenchmark.cpuNanos();
                    long w0 = System.nanoTime();
                    long texts = ServeBenchmark.predictFor(p[k], pool, 128, 0, w0, seconds);
                    rate[k][r] = texts / ((System.nanoTime() - w0) / 1e9);
                    cpu[k][r] = (ServeBenchmark.cpuNanos() - c0) / 1e6 / texts;
                    System.out.printf(Locale.ROOT, "round %d  %d caller(s)  %7.1f texts/s  %.2f CPU ms/text%n", r + 1, k + 1, rate[k][r], cpu[k][r]);
                }
            }
            System.out.printf(Locale.ROOT, "median: one caller %.1f texts/s (%.2f CPU ms/text), two callers %.1f texts/s (%.2f), x%.2f%n",
                    ServeBenchmark.median(rate[0]), ServeBenchmark.median(cpu[0]), ServeBenchmark.median(rate[1]),
                    ServeBenchmark.median(cpu[1]), ServeBenchmark.median(rate[1]) / ServeBenchmark.median(rate[0]));
        } finally {
            p[0].close();
            p[1].close();
        }
    }
}
