package dev.graft.reliability.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * Seeded mutation fuzzing of one file format: bit flips, truncation, byte insertion and deletion,
 * overwrites with boundary bytes, chunk duplication, plus format-specific edits. Every case must
 * either load or throw the format's documented exception with a message naming the file; any other
 * exception, an {@link OutOfMemoryError} or a case running past its timeout is a failure.
 */
public final class Fuzz {
    /** Loads one file the way the product does. */
    @FunctionalInterface
    public interface Loader {
        void load(Path file) throws Exception;
    }

    /** Outcome counts, for the report. */
    public record Report(String format, int cases, int loaded, int rejected, List<String> failures, long maxMillis) {
        /** Failures grouped by exception and the first stack frame in Graft or the library at fault. */
        public java.util.Map<String, Integer> kinds() {
            java.util.Map<String, Integer> m = new java.util.TreeMap<>();
            for (String f : failures) {
                String k = f.substring(f.indexOf("): ") + 3);
                k = k.replaceAll("'[^']*'", "'..'").replaceAll("[0-9]+", "N");
                m.merge(k.length() > 300 ? k.substring(0, 300) : k, 1, Integer::sum);
            }
            return m;
        }

        public String summary() {
            return format + ": " + cases + " cases, " + loaded + " loaded, " + rejected + " rejected with the documented error, "
                    + failures.size() + " failures, slowest case " + maxMillis + " ms";
        }
    }

    private Fuzz() {
    }

    public static Report run(String format, List<byte[]> seeds, int cases, long seed, Path dir, String suffix,
            Class<? extends Exception> documented, Loader loader, BiFunction<byte[], Random, byte[]> formatEdit,
            long timeoutMillis) throws IOException, InterruptedException {
        Random rnd = new Random(seed);
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + format);
            t.setDaemon(true);
            return t;
        });
        int loaded = 0;
        int rejected = 0;
        long maxMillis = 0;
        List<String> failures = new ArrayList<>();
        try {
            for (int c = 0; c < cases; c++) {
                byte[] base = seeds.get(rnd.nextInt(seeds.size()));
                int kind = rnd.nextInt(formatEdit == null ? 6 : 8);
                byte[] data = kind >= 6 ? formatEdit.apply(base, rnd) : mutate(base, kind, rnd);
                Path file = dir.resolve(format + "-case" + c + suffix);
                Files.write(file, data);
                long t0 = System.nanoTime();
                Future<?> f = exec.submit(() -> {
                    loader.load(file);
                    return null;
                });
                String where = "case " + c + " (mutation " + kind + ", seed " + seed + ")";
                try {
                    f.get(timeoutMillis, TimeUnit.MILLISECONDS);
                    loaded++;
                } catch (TimeoutException e) {
                    f.cancel(true);
                    failures.add(where + ": no answer within " + timeoutMillis + " ms");
                    Files.copy(file, dir.resolve("hang" + suffix), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    break; // the worker thread may be stuck; stop rather than queue behind it
                } catch (ExecutionException e) {
                    Throwable t = e.getCause();
                    if (documented.isInstance(t) && t.getMessage() != null && t.getMessage().contains(file.toString())) {
                        rejected++;
                    } else {
                        failures.add(where + ": " + describe(t));
                    }
                }
                maxMillis = Math.max(maxMillis, (System.nanoTime() - t0) / 1_000_000);
                Files.deleteIfExists(file);
            }
        } finally {
            exec.shutdownNow();
        }
        return new Report(format, cases, loaded, rejected, failures, maxMillis);
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(4, st.length); i++) {
            sb.append(" at ").append(st[i]);
        }
        return sb.toString();
    }

    /** Generic byte-level mutations 0..5. */
    public static byte[] mutate(byte[] in, int kind, Random r) {
        byte[] b = in.clone();
        switch (kind) {
            case 0 -> { // bit flips
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    int at = biasedIndex(b.length, r);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1 -> { // truncation
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> { // insertion
                int at = biasedIndex(b.length + 1, r);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(b, at, out, at + ins.length, b.length - at);
                return out;
            }
            case 3 -> { // deletion
                int at = biasedIndex(b.length, r);
                int len = Math.min(b.length - at, 1 + r.nextInt(16));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                return out;
            }
            case 4 -> { // boundary bytes
                byte[] vals = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1, (byte) 0xFE};
                int at = biasedIndex(b.length, r);
                int len = Math.min(b.length - at, 1 + r.nextInt(8));
                Arrays.fill(b, at, at + len, vals[r.nextInt(vals.length)]);
                return b;
            }
            default -> { // duplicate a chunk in place of another
                int from = r.nextInt(b.length);
                int to = biasedIndex(b.length, r);
                int len = Math.min(Math.min(b.length - from, b.length - to), 1 + r.nextInt(64));
                System.arraycopy(in, from, b, to, len);
                return b;
            }
        }
    }

    /** Half the positions in the first 512 bytes, where headers and structure live. */
    private static int biasedIndex(int length, Random r) {
        if (length <= 0) {
            return 0;
        }
        return r.nextBoolean() ? r.nextInt(Math.min(length, 512)) : r.nextInt(length);
    }
}
