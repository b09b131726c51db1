package dev.graft.engine.spi.io;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C of a concatenation from the CRC32C of its parts (zlib's {@code crc32_combine}, GF(2) matrices over the
 * reflected Castagnoli polynomial): a file assembled from regions of other files gets its checksum without its
 * bytes being read again.
 */
final class Crc32c {
    private static final int POLY = 0x82F63B78;

    private Crc32c() {
    }

    /** CRC32C of the buffer's remaining bytes (its position is left as it was). */
    static long of(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate());
        return c.getValue();
    }

    /** CRC32C of {@code A + B} from {@code crcA}, {@code crcB} and the length of {@code B} in bytes. */
    static long combine(long crcA, long crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] even = new int[32];
        int[] odd = new int[32];
        odd[0] = POLY; // the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four
        int c = (int) crcA;
        long len = lengthB;
        do {
            square(even, odd); // one zero byte, then 4, 16, ... bytes
            if ((len & 1) != 0) {
                c = times(even, c);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                c = times(odd, c);
            }
            len >>>= 1;
        } while (len != 0);
        return (c ^ (int) crcB) & 0xffffffffL;
    }

    private static int times(int[] mat, int vec) {
        int sum = 0;
        for (int i = 0; vec != 0; i++, vec >>>= 1) {
            if ((vec & 1) != 0) {
                sum ^= mat[i];
            }
        }
        return sum;
    }

    private static void square(int[] square, int[] mat) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(mat, mat[n]);
        }
    }
}
