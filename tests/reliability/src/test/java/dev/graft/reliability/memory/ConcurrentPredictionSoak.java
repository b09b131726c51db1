package dev.graft.reliability.memory;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.reliability.support.MemoryProbe;
import dev.graft.reliability.support.SmallNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 16 threads predicting on one compiled model for a while; every result is compared bit for bit
 * with the single-threaded result for the same batch, and RSS is sampled every second.
 *
 * <p>Usage: {@code ConcurrentPredictionSoak [seconds=60] [threads=16]}; run it with
 * {@link MemoryProbe#JVM_OPTIONS}. Prints {@code RESULT predictions=.. mismatches=.. errors=..
 * rssStartKb=.. rssAfterWarmupKb=.. rssEndKb=.. growthPct=..}.
 */
public final class ConcurrentPredictionSoak {
    private ConcurrentPredictionSoak() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int warmup = Math.max(2, seconds / 6);
        MemoryProbe probe = new MemoryProbe();
        try (CompiledModel m = SmallNet.trainable(SmallNet.engine(), 64, 5)) {
            for (int i = 0; i < 20; i++) {
                m.trainStep(SmallNet.batch(32, i)); // trained weights, not the initial ones
            }
            List<Map<String, HostTensor>> inputs = new ArrayList<>();
            List<HostTensor> expected = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Map<String, HostTensor> in = Map.of("x", SmallNet.batch(1 + i % 17, 1000 + i).get("x"));
                inputs.add(in);
                expected.add(m.predict(in, "probs"));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong predictions = new AtomicLong();
            AtomicLong mismatches = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    int i = id;
                    while (!stop.get()) {
                        int k = i++ % inputs.size();
                        try {
                            HostTensor got = m.predict(inputs.get(k), "probs");
                            if (!got.bitEquals(expected.get(k))) {
                                mismatches.incrementAndGet();
                            }
                            predictions.incrementAndGet();
                        } catch (RuntimeException e) {
                            if (errors.getAndIncrement() == 0) {
                                e.printStackTrace();
                            }
                        }
                    }
                }, "predict-" + t);
                w.start();
                workers.add(w);
            }
            long t0 = System.nanoTime();
            probe.sample(0);
            long rssAfterWarmup = 0;
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(Math.max(0, t0 + s * 1_000_000_000L - System.nanoTime()) / 1_000_000);
                long kb = probe.sample(s);
                if (s == warmup) {
                    rssAfterWarmup = kb;
                }
                System.out.println("t=" + s + "s predictions=" + predictions.get());
            }
            stop.set(true);
            for (Thread w : workers) {
                w.join();
            }
            System.out.println(String.format(Locale.ROOT,
                    "RESULT threads=%d seconds=%d predictions=%d mismatches=%d errors=%d rssStartKb=%d rssAfterWarmupKb=%d "
                            + "rssEndKb=%d rssMaxKb=%d growthPct=%.2f",
                    threads, seconds, predictions.get(), mismatches.get(), errors.get(), probe.first(), rssAfterWarmup,
                    probe.last(), probe.max(), probe.growthPercent(warmup)));
        }
    }
}
