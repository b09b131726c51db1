package dev.graft.reliability.memory;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.reliability.support.MemoryProbe;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a small network for many steps (with a checkpoint and a validation prediction every 100
 * steps, as the trainer does) and samples RSS every 100 steps.
 *
 * <p>Usage: {@code LongTrainingRun [steps=2000] [warmupSteps=200]}; run it with
 * {@link MemoryProbe#JVM_OPTIONS}. Prints {@code RESULT steps=.. rssAfterWarmupKb=.. rssEndKb=..
 * growthPct=.. firstLoss=.. lastLoss=..}.
 */
public final class LongTrainingRun {
    private LongTrainingRun() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        MemoryProbe probe = new MemoryProbe();
        Path dir = Files.createTempDirectory("graft-longrun");
        List<Map<String, HostTensor>> batches = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batches.add(SmallNet.batch(32, i));
        }
        Map<String, HostTensor> val = Map.of("x", SmallNet.batch(64, 999).get("x"));
        double first = Double.NaN;
        double last = Double.NaN;
        long t0 = System.nanoTime();
        try (CompiledModel m = SmallNet.trainable(SmallNet.engine(), 64, 3)) {
            probe.sample(0);
            for (int s = 1; s <= steps; s++) {
                double loss = m.trainStep(batches.get(s % batches.size())).loss();
                if (s == 1) {
                    first = loss;
                }
                last = loss;
                if (s % 100 == 0) {
                    m.predict(val, "probs");
                    m.saveCheckpoint(dir.resolve("checkpoint.safetensors"), Map.of("graft.step", Integer.toString(s)));
                    probe.sample(s);
                }
            }
        } finally {
            Files.deleteIfExists(dir.resolve("checkpoint.safetensors"));
            Files.deleteIfExists(dir);
        }
        System.out.println(String.format(Locale.ROOT,
                "RESULT steps=%d warmupSteps=%d seconds=%.1f rssStartKb=%d rssEndKb=%d rssMaxKb=%d growthPct=%.2f firstLoss=%.4f lastLoss=%.4f",
                steps, warmup, (System.nanoTime() - t0) / 1e9, probe.first(), probe.last(), probe.max(),
                probe.growthPercent(warmup), first, last));
    }
}
