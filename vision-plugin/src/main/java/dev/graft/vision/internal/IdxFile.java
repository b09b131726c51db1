package dev.graft.vision.internal;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX file (the format of MNIST and Fashion-MNIST): two zero bytes, a type code, the number of
 * dimensions, each dimension as a big-endian int, then the values. Read plainly or gzip-compressed
 * (told by the content, not the name). Only unsigned bytes (type 0x08) are read, which is what the
 * image and label files hold. Every check names the file: the magic, the type, the dimensions
 * (positive, their product within an array), the data length against the header (a short or
 * overlong file is refused; a plain file's size is checked before anything is allocated, and a
 * compressed one grows its buffer only as data actually arrives).
 *
 * @param dims   the dimensions, e.g. [60000, 28, 28] for images, [60000] for labels
 * @param values the values, row-major, unsigned bytes
 */
record IdxFile(int[] dims, byte[] values) {
    static final int UNSIGNED_BYTE = 0x08;

    /** Values per item (the product of every dimension after the first). */
    int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    int count() {
        return dims[0];
    }

    int get(int item, int offset) {
        return values[item * itemSize() + offset] & 0xff;
    }

    static IdxFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        boolean gzip;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            gzip = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return read(file, in, gzip ? -1 : Files.size(file));
        } catch (ZipException | EOFException e) {
            throw new IOException(file + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** @param length the file's length when it is not compressed, else -1 */
    static IdxFile read(Path file, InputStream in, long length) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IOException(file + ": too short for an IDX header (" + magic.length + " bytes)");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(file + ": not an IDX file (magic " + hex(magic) + "; IDX files start 00 00 <type> <dims>)");
        }
        int type = magic[2] & 0xff;
        int rank = magic[3] & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(file + ": IDX value type 0x" + Integer.toHexString(type)
                    + " is not supported (only unsigned bytes, 0x08, as in MNIST and Fashion-MNIST)");
        }
        if (rank < 1 || rank > 4) {
            throw new IOException(file + ": IDX header says " + rank + " dimensions; expected 1 (labels) to 3 (images)");
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IOException(file + ": IDX header truncated: " + rank + " dimensions announced, "
                    + dimBytes.length / 4 + " present");
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16) | ((dimBytes[4 * i + 2] & 0xff) << 8)
                    | (dimBytes[4 * i + 3] & 0xff);
            if (dims[i] <= 0) {
                throw new IOException(file + ": IDX dimension " + i + " is " + dims[i] + "; every dimension must be positive");
            }
            total *= dims[i];
            if (total > Integer.MAX_VALUE - 16) {
                throw new IOException(file + ": IDX dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + " hold more values than one file can (over 2^31)");
            }
        }
        long header = 4 + 4L * rank;
        if (length >= 0 && length != header + total) {
            throw new IOException(file + ": IDX header " + Arrays.toString(dims) + " announces " + total + " values ("
                    + (header + total) + " bytes with the header) but the file has " + length + " bytes"
                    + (length < header + total ? " (truncated?)" : " (trailing data)"));
        }
        byte[] values = readExactly(file, in, (int) total, dims);
        if (in.read() != -1) {
            throw new IOException(file + ": trailing data after the " + total + " values announced by the IDX header "
                    + Arrays.toString(dims));
        }
        return new IdxFile(dims, values);
    }

    /** Reads {@code n} bytes, growing the buffer only as data arrives (a lying header allocates nothing). */
    private static byte[] readExactly(Path file, InputStream in, int n, int[] dims) throws IOException {
        byte[] buf = new byte[Math.min(n, 1 << 20)];
        int got = 0;
        while (got < n) {
            if (got == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, got, buf.length - got);
            if (r < 0) {
                throw new IOException(file + ": truncated: the IDX header " + Arrays.toString(dims) + " announces " + n
                        + " values but only " + got + " are present");
            }
            got += r;
        }
        return buf;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xff));
        }
        return sb.toString().strip();
    }
}
