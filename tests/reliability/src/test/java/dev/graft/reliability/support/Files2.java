package dev.graft.reliability.support;

import java.lang.management.ManagementFactory;

/** Measurement helpers shared by the hostile-input tests. */
public final class Files2 {
    private Files2() {
    }

    /** Bytes allocated on the Java heap by the current thread so far. */
    public static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
