package dev.graft.engine.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** What the host CPU executes natively, read from {@code /proc/cpuinfo} (Linux; elsewhere: nothing known). */
public final class CpuFeatures {
    private static volatile Set<String> flags;

    private CpuFeatures() {
    }

    /** The CPU flags of the first processor listed, or an empty set when they cannot be read. */
    public static Set<String> flags() {
        Set<String> f = flags;
        if (f == null) {
            f = read(Path.of("/proc/cpuinfo"));
            flags = f;
        }
        return f;
    }

    static Set<String> read(Path cpuinfo) {
        Set<String> out = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    for (String s : line.substring(colon + 1).trim().split("\\s+")) {
                        if (!s.isEmpty()) {
                            out.add(s);
                        }
                    }
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    /** Whether bfloat16 arithmetic runs natively: AVX512-BF16 or AMX-BF16 (x86). */
    public static boolean nativeBf16() {
        return nativeBf16(flags());
    }

    static boolean nativeBf16(Set<String> f) {
        return f.contains("avx512_bf16") || f.contains("amx_bf16");
    }
}
