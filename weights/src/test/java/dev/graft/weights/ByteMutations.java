package dev.graft.weights;

import java.util.Arrays;
import java.util.Random;

/** The byte mutations every weight-file fuzz test applies; each test adds the ones of its own format. */
final class ByteMutations {
    /** Kinds {@code 0..COMMON-1} are handled by {@link #common}. */
    static final int COMMON = 4;

    private ByteMutations() {
    }

    /**
     * Kind 0: flips 1 to 4 bits; 1: truncates; 2: inserts 1 to 16 random bytes; 3: deletes 1 to 16
     * bytes. {@code b} is a non-empty copy the caller may lose.
     */
    static byte[] common(byte[] b, int kind, Random r) {
        switch (kind) {
            case 0 -> {
                for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1 -> {
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> {
                int at = r.nextInt(b.length + 1);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(b, at, out, at + ins.length, b.length - at);
                return out;
            }
            case 3 -> {
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(16));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                return out;
            }
            default -> throw new IllegalArgumentException("common mutation kinds are 0 to " + (COMMON - 1) + ", got " + kind);
        }
    }
}
