package dev.graft.reliability.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.io.SafeTensorsException;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint damaged on disk (any single flipped bit, any truncation) is detected by its
 * checksums and reported naming the file; the model keeps its weights, optimizer state and step.
 * Through the trainer, a damaged checkpoint stops the resume with the same error.
 */
class CorruptCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void everyFlippedBitAndEveryTruncationIsDetectedAndNothingIsLoaded() throws Exception {
        try (CompiledModel m = SmallNet.trainable(SmallNet.engine(), 8, 3)) {
            for (int i = 0; i < 5; i++) {
                m.trainStep(SmallNet.batch(16, i));
            }
            Path good = dir.resolve("checkpoint.safetensors");
            m.saveCheckpoint(good, Map.of("graft.trainer.state", "{\"epoch\":3}"));
            byte[] ok = Files.readAllBytes(good);
            for (int i = 0; i < 3; i++) {
                m.trainStep(SmallNet.batch(16, 100 + i));
            }
            Map<String, HostTensor> params = m.parameters();
            Map<String, HostTensor> slots = m.optimizerState();
            long step = m.step();

            Path bad = dir.resolve("damaged.safetensors");
            Random r = new Random(17);
            int cases = 0;
            // every byte of the header region, then a seeded sample of the tensor data
            for (int at = 0; at < ok.length; at += at < 1536 ? 1 : 1 + r.nextInt(24)) {
                byte[] b = ok.clone();
                b[at] ^= (byte) (1 << r.nextInt(8));
                Files.write(bad, b);
                int pos = at;
                assertThatThrownBy(() -> m.loadCheckpoint(bad)).as("bit flipped at byte %d of %d", pos, ok.length)
                        .isInstanceOf(SafeTensorsException.class).hasMessageStartingWith(bad.toString());
                cases++;
            }
            for (int len = 0; len < ok.length; len += 1 + len / 24) {
                Files.write(bad, Arrays.copyOf(ok, len));
                int l = len;
                assertThatThrownBy(() -> m.loadCheckpoint(bad)).as("truncated to %d bytes", l)
                        .isInstanceOf(SafeTensorsException.class).hasMessageStartingWith(bad.toString());
                cases++;
            }
            System.out.println("checkpoint of " + ok.length + " bytes: " + cases + " damaged copies, all refused");
            assertThat(m.step()).isEqualTo(step);
            m.parameters().forEach((k, v) -> assertThat(v.bitEquals(params.get(k))).as(k).isTrue());
            m.optimizerState().forEach((k, v) -> assertThat(v.bitEquals(slots.get(k))).as(k).isTrue());

            m.loadCheckpoint(good);
            assertThat(m.step()).isEqualTo(5);
        }
    }

    @Test
    void resumeFromADamagedCheckpointFailsNamingTheFile() throws Exception {
        Path ckptDir = dir.resolve("run");
        TrainingRun.pipeline(ckptDir, 1, 5).run();
        Path ckpt = ckptDir.resolve("checkpoint.safetensors");
        byte[] b = Files.readAllBytes(ckpt);
        b[b.length / 2] ^= 0x10;
        Files.write(ckpt, b);
        assertThatThrownBy(() -> TrainingRun.pipeline(ckptDir, 2, 5).run()).isInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(ckpt.toString()).hasMessageContaining("checksum mismatch");
    }
}
