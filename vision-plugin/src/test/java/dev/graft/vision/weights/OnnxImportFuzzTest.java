package dev.graft.vision.weights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.vision.ResNetConfig;
import dev.graft.vision.TestFiles;
import dev.graft.vision.TorchReference;
import dev.graft.vision.TorchvisionOnnx;
import dev.graft.vision.VggConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated torchvision ONNX exports (bit flips, truncation, byte runs duplicated or removed, varints
 * replaced by hostile values: huge dims and lengths, negative numbers) go through the whole vision
 * import, graph walk included: each either imports (leniently) or fails with a
 * {@link WeightImportException} naming the file; nothing else is thrown and every case answers
 * within 5 s. Cases: {@code -Dgraft.fuzz.cases} (default 600), seed {@code -Dgraft.fuzz.seed}.
 */
class OnnxImportFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedTorchvisionExportsImportOrFailNamingTheFile() throws Exception {
        ResNetConfig resnet = new ResNetConfig("resnet-tiny", true, List.of(1, 1, 1, 1), 1, false, false, 1e-5);
        Map<String, long[]> rs = TestFiles.torchResNetShapes(resnet, 2);
        VggConfig vgg = VggConfig.of(11, true).withWidth(1);
        Map<String, long[]> vs = TestFiles.torchVggShapes(vgg, 2, 1);
        List<byte[]> seeds = List.of(
                TorchvisionOnnx.resnet(resnet, TorchReference.randomWeights(rs, 1), rs, TorchvisionOnnx.Options.named()),
                TorchvisionOnnx.resnet(resnet, TorchReference.randomWeights(rs, 2), rs,
                        TorchvisionOnnx.Options.folded(TorchvisionOnnx.Naming.LEGACY).withShortcutFirst()),
                TorchvisionOnnx.vgg(vgg, TorchReference.randomWeights(vs, 3), vs,
                        TorchvisionOnnx.Options.folded(TorchvisionOnnx.Naming.SCOPED)));
        int cases = Integer.getInteger("graft.fuzz.cases", 600);
        Random r = new Random(Long.getLong("graft.fuzz.seed", 20261201L));
        int imported = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        ExecutorService exec = Executors.newSingleThreadExecutor(t -> {
            Thread th = new Thread(t, "fuzz-onnx-import");
            th.setDaemon(true);
            return th;
        });
        try {
            for (int c = 0; c < cases && failures.isEmpty(); c++) {
                int s = c % seeds.size();
                byte[] data = mutate(seeds.get(s), r);
                Path file = dir.resolve("case" + c + ".onnx");
                Files.write(file, data);
                WeightImporter.Target t = s < 2 ? WeightImporter.Target.withTop(resnet, 16, 2, false)
                        : WeightImporter.Target.withTop(vgg, 32, 2, false);
                Future<?> f = exec.submit(() -> WeightImporter.onnx(file, t));
                try {
                    f.get(5, TimeUnit.SECONDS);
                    imported++;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof WeightImportException w && w.getMessage().contains(file.toString())) {
                        refused++;
                    } else {
                        failures.add("case " + c + ": " + e.getCause());
                        e.getCause().printStackTrace();
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    failures.add("case " + c + ": no answer within 5 s");
                }
                Files.deleteIfExists(file);
            }
        } finally {
            exec.shutdownNow();
        }
        System.out.printf("onnx import: %d cases, %d imported, %d refused with WeightImportException, %d failures%n",
                cases, imported, refused, failures.size());
        assertThat(failures).isEmpty();
        assertThat(refused).isGreaterThan(cases / 10);
        assertThat(imported).isGreaterThan(cases / 20);
    }

    private static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        switch (r.nextInt(5)) {
            case 0 -> {
                for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> {
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                return out;
            }
            case 3 -> {
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, at + len);
                System.arraycopy(b, at, out, at + len, b.length - at);
                return out;
            }
            default -> {
                long[] hostile = {0, 1, 127, 128, 1L << 31, 1L << 32, (1L << 40) + 1, -1, Long.MAX_VALUE, 65535};
                long v = hostile[r.nextInt(hostile.length)];
                byte[] enc = new byte[10];
                int n = 0;
                while ((v & ~0x7fL) != 0) {
                    enc[n++] = (byte) ((v & 0x7f) | 0x80);
                    v >>>= 7;
                }
                enc[n++] = (byte) v;
                int at = r.nextInt(b.length);
                int old = 1;
                while (at + old - 1 < b.length && (b[at + old - 1] & 0x80) != 0 && old < 10) {
                    old++;
                }
                old = Math.min(old, b.length - at);
                byte[] out = new byte[b.length - old + n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(enc, 0, out, at, n);
                System.arraycopy(b, at + old, out, at + n, b.length - at - old);
                return out;
            }
        }
    }
}
