package dev.graft.weights.internal.bundle;

/**
 * A bounded protocol-buffer reader over one byte range. Every length is checked against the bytes
 * left before it is used, so a hostile length (negative, huge, past the end) is an error, never a
 * loop or an out-of-range read. Errors are {@link Malformed}, which the caller turns into a
 * {@code WeightFileException} naming the file and the entry.
 */
public final class ProtoInput {
    /** A malformed message; the message says what and where (byte offset within the message). */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String message) {
            super(message);
        }
    }

    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LENGTH_DELIMITED = 2;
    public static final int FIXED32 = 5;

    private final byte[] b;
    private final int end;
    private int pos;

    public ProtoInput(byte[] b) {
        this(b, 0, b.length);
    }

    public ProtoInput(byte[] b, int from, int to) {
        if (from < 0 || to < from || to > b.length) {
            throw new IllegalArgumentException("range " + from + ".." + to + " outside " + b.length + " bytes");
        }
        this.b = b;
        this.pos = from;
        this.end = to;
    }

    public boolean atEnd() {
        return pos >= end;
    }

    public int position() {
        return pos;
    }

    /** A varint of at most 10 bytes. */
    public long varint() throws Malformed {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new Malformed("truncated varint at byte " + pos);
            }
            int x = b[pos++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new Malformed("varint longer than 10 bytes at byte " + pos);
    }

    /** A varint that must lie in [0, max]. */
    public long varint(long max, String what) throws Malformed {
        int at = pos;
        long v = varint();
        if (v < 0 || v > max) {
            throw new Malformed(what + " " + Long.toUnsignedString(v) + " at byte " + at + " is outside [0, " + max + "]");
        }
        return v;
    }

    /** A field tag: field number in the high bits, wire type in the low three. */
    public long tag() throws Malformed {
        long t = varint();
        if ((t >>> 3) == 0) {
            throw new Malformed("field number 0 at byte " + pos);
        }
        return t;
    }

    public int fixed32() throws Malformed {
        need(4);
        int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    /** The length prefix of a length-delimited field, checked against the bytes left. */
    public int length() throws Malformed {
        int at = pos;
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw new Malformed("length " + len + " at byte " + at + " runs past the end of the message (" + (end - pos)
                    + " bytes left)");
        }
        return (int) len;
    }

    /** A nested message (length-delimited) as its own bounded reader; this reader moves past it. */
    public ProtoInput message() throws Malformed {
        int len = length();
        ProtoInput in = new ProtoInput(b, pos, pos + len);
        pos += len;
        return in;
    }

    /** Length-delimited bytes. */
    public byte[] bytes() throws Malformed {
        int len = length();
        byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + len);
        pos += len;
        return out;
    }

    /** Skips one field's value of the given wire type. Groups (3, 4) and unknown types are refused. */
    public void skip(int wire) throws Malformed {
        switch (wire) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw new Malformed("unsupported protobuf wire type " + wire + " at byte " + pos);
        }
    }

    /** Checks that a field has the wire type its schema says. */
    public static void expect(long tag, int wire, String field) throws Malformed {
        if ((int) (tag & 7) != wire) {
            throw new Malformed("field " + field + " has wire type " + (tag & 7) + ", expected " + wire);
        }
    }

    /** Moves past { n} raw bytes. */
    public void skipRaw(int n) throws Malformed {
        advance(n);
    }

    private void advance(int n) throws Malformed {
        need(n);
        pos += n;
    }

    private void need(int n) throws Malformed {
        if (n < 0 || n > end - pos) {
            throw new Malformed("field of " + n + " bytes at byte " + pos + " runs past the end of the message");
        }
    }
}
