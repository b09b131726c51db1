package dev.graft.reliability.crash;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.reliability.support.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The SIGKILL test, repeated: one training run is killed {@code kills} times, each time after a
 * random number of further checkpoints (so kills land mid-step and mid-write), resumed each time,
 * and finally compared bit for bit with an uninterrupted run.
 *
 * <p>Usage: {@code KillResumeSoak <workDir> [kills=8] [epochs=80] [checkpointEvery=25] [seed=1]}.
 * Prints {@code RESULT kills=.. exitStatuses=.. resumedFrom=.. identical=.. leftoverTempFiles=..}.
 */
public final class KillResumeSoak {
    private KillResumeSoak() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int kills = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        String epochs = args.length > 2 ? args[2] : "80";
        int every = args.length > 3 ? Integer.parseInt(args[3]) : 25;
        Random rnd = new Random(args.length > 4 ? Long.parseLong(args[4]) : 1);
        Path whole = work.resolve("whole.safetensors");
        TrainingRun.main(new String[] {work.resolve("ref").toString(), whole.toString(), epochs, Integer.toString(every)});
        Path ckpt = work.resolve("killed");
        Path out = work.resolve("resumed.safetensors");
        StringBuilder statuses = new StringBuilder();
        StringBuilder resumes = new StringBuilder();
        int done = 0;
        for (int k = 0; k < kills; k++) {
            try (ChildJvm c = ChildJvm.start(TrainingRun.class, ckpt.toString(), out.toString(), epochs, Integer.toString(every))) {
                int wait = 1 + rnd.nextInt(4);
                int[] seen = {0};
                boolean reached = c.awaitLine(l -> l.startsWith("checkpoint ") && ++seen[0] >= wait, 300_000);
                if (!reached) {
                    System.out.println("run finished before kill " + (k + 1));
                    break;
                }
                Thread.sleep(rnd.nextInt(40)); // land anywhere between checkpoints
                int status = c.kill();
                statuses.append(statuses.length() == 0 ? "" : ",").append(status);
                String last = c.lines().stream().filter(l -> l.startsWith("checkpoint ")).reduce((a, b) -> b).orElse("none");
                resumes.append(resumes.length() == 0 ? "" : ",").append(last.substring(last.indexOf(' ') + 1));
                done++;
                System.out.println("kill " + done + ": exit status " + status + " after " + last);
            }
        }
        try (ChildJvm c = ChildJvm.start(TrainingRun.class, ckpt.toString(), out.toString(), epochs, Integer.toString(every))) {
            if (c.await(600) != 0) {
                throw new IllegalStateException("final resume failed:\n" + c.output());
            }
            System.out.println(c.lines().stream().filter(l -> l.startsWith("done")).findFirst().orElse("?"));
        }
        Map<String, HostTensor> a = SafeTensors.read(whole).tensors();
        Map<String, HostTensor> b = SafeTensors.read(out).tensors();
        boolean same = a.keySet().equals(b.keySet()) && a.entrySet().stream().allMatch(e -> e.getValue().bitEquals(b.get(e.getKey())));
        long leftovers;
        try (Stream<Path> s = Files.list(ckpt)) {
            leftovers = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
        }
        System.out.println("RESULT kills=" + done + " exitStatuses=" + statuses + " lastCheckpointBeforeKill=" + resumes
                + " identical=" + same + " leftoverTempFiles=" + leftovers);
        if (!same) {
            System.exit(1);
        }
    }
}
