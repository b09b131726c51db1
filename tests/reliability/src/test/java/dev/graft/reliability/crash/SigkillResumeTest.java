package dev.graft.reliability.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.reliability.support.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training in a child JVM is killed with SIGKILL after a checkpoint exists, resumed in a new
 * child JVM, and must end bit-identical to an uninterrupted run with the same seed.
 */
class SigkillResumeTest {
    static final int EPOCHS = 40;
    static final int EVERY = 25;

    @TempDir
    Path dir;

    @Test
    void runKilledWithSigkillAndResumedEndsBitIdenticalToUninterruptedRun() throws Exception {
        // the uninterrupted reference runs in this JVM; the killed and the resumed runs in their own
        Path whole = dir.resolve("whole.safetensors");
        TrainingRun.main(new String[] {dir.resolve("ref").toString(), whole.toString(), Integer.toString(EPOCHS),
            Integer.toString(EVERY)});

        Path ckptDir = dir.resolve("killed");
        Path resumed = dir.resolve("resumed.safetensors");
        long killedAfter;
        try (ChildJvm victim = ChildJvm.start(TrainingRun.class, ckptDir.toString(), resumed.toString(),
                Integer.toString(EPOCHS), Integer.toString(EVERY))) {
            // let a few checkpoints pass so the kill lands mid-run, possibly mid-write
            assertThat(victim.awaitLine(l -> l.equals("checkpoint " + 4 * EVERY), 120_000)).as(victim.output()).isTrue();
            int status = victim.kill();
            assertThat(status).as("exit status of a JVM killed by SIGKILL is 128 + 9").isEqualTo(137);
            killedAfter = victim.lines().stream().filter(l -> l.startsWith("checkpoint ")).count();
            assertThat(victim.output()).doesNotContain("done");
        }
        assertThat(Files.exists(ckptDir.resolve("checkpoint.safetensors"))).isTrue();
        assertThat(Files.exists(resumed)).isFalse();

        try (ChildJvm again = ChildJvm.start(TrainingRun.class, ckptDir.toString(), resumed.toString(),
                Integer.toString(EPOCHS), Integer.toString(EVERY))) {
            assertThat(again.await(300)).as(again.output()).isZero();
            String done = again.lines().stream().filter(l -> l.startsWith("done")).findFirst().orElseThrow();
            long from = Long.parseLong(done.substring(done.indexOf("resumedFrom=") + 12));
            assertThat(from).as("resumed from a checkpoint at or after the 4th").isGreaterThanOrEqualTo(4L * EVERY)
                    .isLessThanOrEqualTo(killedAfter * EVERY + EVERY);
        }

        SafeTensors.Contents a = SafeTensors.read(whole);
        SafeTensors.Contents b = SafeTensors.read(resumed);
        assertThat(b.metadata().get("steps")).isEqualTo(a.metadata().get("steps"));
        Map<String, HostTensor> wa = a.tensors();
        Map<String, HostTensor> wb = b.tensors();
        assertThat(wb.keySet()).isEqualTo(wa.keySet());
        wa.forEach((k, v) -> assertThat(wb.get(k).bitEquals(v)).as("parameter %s bit-identical", k).isTrue());
    }
}
