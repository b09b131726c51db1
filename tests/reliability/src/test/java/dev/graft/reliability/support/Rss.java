package dev.graft.reliability.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process (Java heap + native), read from /proc/self/status. */
public final class Rss {
    private Rss() {
    }

    /** VmRSS in kB. */
    public static long kb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }

    /** Full GC twice, so heap garbage does not hide or fake native growth. */
    public static long kbAfterGc() {
        System.gc();
        System.gc();
        return kb();
    }
}
