package dev.graft.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated ONNX files (bit flips, truncation, insertion, deletion, boundary bytes, chunk
 * duplication, and varints replaced by hostile values) either load completely (every initializer
 * converted, kernels named) or fail with {@link WeightFileException} naming the file; nothing else
 * is thrown, nothing runs out of memory, and every case answers within its time bound. Case count:
 * {@code -Dgraft.fuzz.cases} (default 3000), seed {@code -Dgraft.fuzz.seed}.
 */
class OnnxFuzzTest {
    private static final long TIMEOUT_MS = 5_000;

    @TempDir
    Path dir;

    @Test
    void mutatedOnnxFilesLoadOrFailWithWeightFileException() throws Exception {
        fuzz("onnx", OnnxFiles.denseLayer(), Integer.getInteger("graft.fuzz.cases", 3000),
                Long.getLong("graft.fuzz.seed", 20261201L));
    }

    /**
     * The torchvision export layout the vision importer reads: node attributes (strides, pads,
     * epsilon, transB), BatchNormalization tensors, anonymous folded Conv weights, the graph walk.
     */
    @Test
    void mutatedConvNetOnnxFilesLoadOrFailWithWeightFileException() throws Exception {
        fuzz("onnx conv net", OnnxFiles.convNet(), Integer.getInteger("graft.fuzz.cases", 3000),
                Long.getLong("graft.fuzz.seed", 20261201L) + 1);
    }

    private void fuzz(String label, byte[] seed, int cases, long randomSeed) throws Exception {
        Random rnd = new Random(randomSeed);
        try (FuzzRun run = new FuzzRun("fuzz-onnx", TIMEOUT_MS)) {
            for (int c = 0; c < cases; c++) {
                int kind = rnd.nextInt(7);
                byte[] data = mutate(seed, kind, rnd);
                Path file = dir.resolve("case" + c + ".onnx");
                Files.write(file, data);
                boolean answered = run.run("case " + c + " (mutation " + kind + ")", file.toString(), () -> {
                    OnnxModel m = OnnxModel.read(file);
                    for (String name : m.initializers().keySet()) {
                        try {
                            m.tensor(name);
                        } catch (WeightFileException e) {
                            if (!e.getMessage().contains(file.toString())) {
                                throw new AssertionError("error does not name the file: " + e.getMessage());
                            }
                        }
                    }
                    for (OnnxModel.OnnxNode n : m.nodes()) {
                        n.intsAttribute("strides", 1, 1);
                        n.floatAttribute("epsilon", 1e-5f);
                        n.intAttribute("transB", 0);
                        for (String in : n.inputs()) {
                            m.initializerBehind(in);
                            m.producer(in);
                        }
                        n.outputs().forEach(m::consumers);
                    }
                    m.matMulKernels();
                    return null;
                });
                if (!answered) {
                    break;
                }
                Files.deleteIfExists(file);
            }
            System.out.printf("%s: %d cases, %d loaded, %d rejected with WeightFileException, %d failures, slowest %d ms%n",
                    label, cases, run.loaded, run.refused, run.failures.size(), run.slowestMs);
            assertThat(run.failures).isEmpty();
            assertThat(run.refused).isGreaterThan(cases / 10);
            assertThat(run.loaded).isGreaterThan(cases / 20);
        }
    }

    private static byte[] mutate(byte[] in, int kind, Random r) {
        byte[] b = in.clone();
        if (kind < ByteMutations.COMMON) {
            return ByteMutations.common(b, kind, r);
        }
        switch (kind) {
            case 4 -> {
                byte[] boundary = {0, (byte) 0x7f, (byte) 0x80, (byte) 0xff, 1, (byte) 0xfe};
                for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                    b[r.nextInt(b.length)] = boundary[r.nextInt(boundary.length)];
                }
                return b;
            }
            case 5 -> {
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(32));
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, at + len);
                System.arraycopy(b, at, out, at + len, b.length - at);
                return out;
            }
            default -> {
                // a varint somewhere replaced by a hostile value (huge lengths, dims, negative numbers)
                long[] hostile = {0, 1, 127, 128, 1L << 31, 1L << 32, (1L << 62) + 3, -1, Long.MAX_VALUE, 255, 16383};
                int at = r.nextInt(b.length);
                long v = hostile[r.nextInt(hostile.length)];
                byte[] enc = varint(v);
                int old = 1;
                while (at + old - 1 < b.length && (b[at + old - 1] & 0x80) != 0 && old < 10) {
                    old++;
                }
                old = Math.min(old, b.length - at);
                byte[] out = new byte[b.length - old + enc.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(enc, 0, out, at, enc.length);
                System.arraycopy(b, at + old, out, at + enc.length, b.length - at - old);
                return out;
            }
        }
    }

    private static byte[] varint(long v) {
        byte[] out = new byte[10];
        int n = 0;
        while ((v & ~0x7fL) != 0) {
            out[n++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[n++] = (byte) v;
        return Arrays.copyOf(out, n);
    }
}
