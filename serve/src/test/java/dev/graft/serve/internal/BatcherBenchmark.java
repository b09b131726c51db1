package dev.graft.serve.internal;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.serve.ServeConfig;
import dev.graft.serve.bench.ServeBenchmark;
import dev.graft.serve.bench.ThreadCpu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's batching and engine without HTTP: {@code clients} threads each submit one text at a time straight to a
 * {@link Batcher} (as the server's request threads do, back to back), against the same model's offline
 * {@link Predictor#predict} on 128 texts at a time, in alternating windows in one JVM, on the model {@link ServeBenchmark}
 * saved. What this ratio misses of 100 % is the engine's own cost at the batch sizes the clients make; what
 * {@link ServeBenchmark}'s ratio misses beyond it is HTTP's.
 * <p>Arguments: {@code [engine|default] [clients] [seconds-per-window] [rounds]} (defaults: default 16 10 3), with
 * {@code -Dbench.batchWorkers=N} (the server's default) and {@code -Dbench.words=MIN-MAX} as in {@link ServeBenchmark}.
 */
public final class BatcherBenchmark {
    private BatcherBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String engineId = ServeBenchmark.engineArg(args);
        int clients = ServeBenchmark.whole(args, 1, 16);
        double seconds = ServeBenchmark.number(args, 2, 10);
        int rounds = ServeBenchmark.whole(args, 3, 3);
        int workers = Integer.getInteger("bench.batchWorkers", ServeConfig.defaults().batchWorkers());
        Graft g = Graft.create(ServeConfig.engineSettings(EngineSettings.fromEnvironment(), workers));
        Engine engine = g.engines().get(engineId);
        Path model = Path.of("target", "serve-bench", "model-" + (engineId == null ? "default" : engineId));
        List<Example> pool = ServeBenchmark.texts(512, 99);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim() + "; engine " + engine.id()
                + ", " + clients + " clients, " + workers + " batch worker(s)");
        Metrics metrics = new Metrics();
        try (Predictor offline = Predictor.open(TrainedModel.load(model), engine, g.backbones());
             Predictor served = Predictor.open(TrainedModel.load(model), engine, g.backbones());
             Batcher batcher = new Batcher("bench", served, 32, 5_000_000L, workers, engine::shareThreads, metrics)) {
            for (int from = 0; from + 128 <= pool.size(); from += 128) {
                offline.predict(pool.subList(from, from + 128));
            }
            AtomicBoolean on = new AtomicBoolean(true);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Thread[] ts = new Thread[clients];
            for (int c = 0; c < clients; c++) {
                Random rnd = new Random(c);
                ts[c] = new Thread(() -> {
                    while (!stop.get()) {
                        if (!on.get()) {
                            sleep(20);
                            continue;
                        }
                        try {
                            batcher.submit(List.of(pool.get(rnd.nextInt(pool.size())))).get();
                            done.incrementAndGet();
                        } catch (ExecutionException e) {
                            failed.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "client-" + c);
                ts[c].start();
            }
            sleep(20_000); // warm-up of the batcher's path
            on.set(false);
            sleep(300);
            double[] time = new double[2];
            long[] texts = new long[2];
            long[] cpu = new long[2];
            Map<String, Long> direct = new LinkedHashMap<>();
            Map<String, Long> off = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (int part = 0; part < 2; part++) {
                    int which = (part + r) % 2; // 0 batcher, 1 offline, the order alternating
                    long c0 = ServeBenchmark.cpuNanos();
                    ThreadCpu t0 = ThreadCpu.now();
                    long w0 = System.nanoTime();
                    long n;
                    if (which == 0) {
                        long d0 = done.get();
                        on.set(true);
                        sleep((long) (seconds * 1000));
                        on.set(false);
                        n = done.get() - d0;
                    } else {
                        n = ServeBenchmark.predictFor(offline, pool, 128, 0, w0, seconds);
                    }
                    double wall = (System.nanoTime() - w0) / 1e9;
                    long dc = ServeBenchmark.cpuNanos() - c0;
                    ThreadCpu.now().since(t0).forEach((k, v) -> (which == 0 ? direct : off).merge(k, v, Long::sum));
                    time[which] += wall;
                    texts[which] += n;
                    cpu[which] += dc;
                    System.out.printf(Locale.ROOT, "round %d %-8s %6.1f texts/s  %5.2f CPU ms/text%n", r + 1,
                            which == 0 ? "batcher" : "offline", n / wall, dc / 1e6 / Math.max(1, n));
                    if (which == 0) {
                        sleep(300); // the last requests of the window finish
                    }
                }
            }
            stop.set(true);
            for (Thread t : ts) {
                t.interrupt();
                t.join();
            }
            double b = texts[0] / time[0];
            double o = texts[1] / time[1];
            System.out.printf(Locale.ROOT, "%n| engine | clients | workers | batcher texts/s | offline texts/s | ratio | CPU ms/text batcher / offline | mean batch | failed |%n");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.0f%% | %.2f / %.2f | %.1f | %d |%n", engine.id(), clients, workers, b, o,
                    100 * b / o, cpu[0] / 1e6 / texts[0], cpu[1] / 1e6 / texts[1], ServeBenchmark.meanBatch(metrics.render()), failed.get());
            ServeBenchmark.printByThread("batcher", direct, texts[0], off, texts[1]);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
