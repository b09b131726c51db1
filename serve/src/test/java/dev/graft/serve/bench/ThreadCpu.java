package dev.graft.serve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads (Java and native) grouped by name, from Linux's {@code /proc/self/task/<tid>/stat}
 * (user + system, 10 ms ticks; names are truncated to 15 characters): benchmark clients, the HTTP server, the batch
 * worker, garbage collection, compilation, and the rest under their own names with digits dropped (the engine's
 * native thread pools, {@code main}). Each group also gets a {@code <group> (sys)} entry: the part of its time spent in
 * the kernel (system calls, the loopback TCP stack). A delta counts threads started in between from zero.
 */
public final class ThreadCpu {
    private final Map<String, Long> ticks = new HashMap<>();
    private final Map<String, Long> sysTicks = new HashMap<>();
    private final Map<String, String> group = new HashMap<>();

    private ThreadCpu() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks.put(t.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                sysTicks.put(t.getFileName().toString(), Long.parseLong(f[12]));
                group.put(t.getFileName().toString(), group(name));
            }
        }
    }

    public static ThreadCpu now() throws IOException {
        return new ThreadCpu();
    }

    private static String group(String name) {
        if (name.startsWith("client-")) {
            return "benchmark clients";
        }
        if (name.startsWith("graft-serve-bat")) {
            return "batch worker";
        }
        if (name.startsWith("graft-serve-") || name.startsWith("HTTP-Dispatcher") || name.equals("server-timer")) {
            return "HTTP server";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return "GC";
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        }
        return name.replaceAll("[0-9]+", "#");
    }

    /** Nanoseconds per group from {@code before} to this snapshot. */
    public Map<String, Long> since(ThreadCpu before) {
        Map<String, Long> out = new TreeMap<>();
        ticks.forEach((tid, t) -> out.merge(group.get(tid), (t - before.ticks.getOrDefault(tid, 0L)) * 10_000_000L, Long::sum));
        sysTicks.forEach((tid, t) -> out.merge(group.get(tid) + " (sys)", (t - before.sysTicks.getOrDefault(tid, 0L)) * 10_000_000L,
                Long::sum));
        return out;
    }
}
