package dev.graft.weights;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounded reader of the protocol-buffer wire format over one region of a file's bytes. Every
 * length is checked against the end of the enclosing region before it is used, so a hostile file
 * can neither read outside its message nor make the reader loop: each call consumes at least one
 * byte or fails.
 */
final class OnnxWire {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer bytes;
    private final Path file;
    private final String entry;
    private int pos;
    private final int end;

    OnnxWire(ByteBuffer bytes, int start, int end, Path file, String entry) {
        this.bytes = bytes;
        this.pos = start;
        this.end = end;
        this.file = file;
        this.entry = entry;
    }

    /** A reader of the sub-message {@code [start, end)} of this one's bytes, naming {@code entry} in errors. */
    OnnxWire sub(int start, int subEnd, String subEntry) {
        return new OnnxWire(bytes, start, subEnd, file, subEntry);
    }

    /** The entry this reader names in errors. */
    String entry() {
        return entry;
    }

    boolean hasMore() {
        return pos < end;
    }

    int position() {
        return pos;
    }

    /** The next field's tag: {@code fieldNumber << 3 | wireType}. */
    long tag() throws WeightFileException {
        long tag = varint();
        if ((tag >>> 3) == 0) {
            throw fail("field number 0 at byte " + pos + " (not a protocol-buffer message)");
        }
        int wire = (int) (tag & 7);
        if (wire != VARINT && wire != FIXED64 && wire != LENGTH_DELIMITED && wire != FIXED32) {
            throw fail("unsupported wire type " + wire + " for field " + (tag >>> 3) + " at byte " + pos);
        }
        return tag;
    }

    /** A base-128 varint of at most 10 bytes. */
    long varint() throws WeightFileException {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw fail("truncated varint at byte " + pos);
            }
            int b = bytes.get(pos++) & 0xff;
            if (shift == 63 && (b & 0x7e) != 0) {
                throw fail("varint overflows 64 bits at byte " + pos);
            }
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw fail("varint longer than 10 bytes at byte " + pos);
    }

    /** A varint that must fit a non-negative int (sizes, enum values). */
    int smallVarint(String what) throws WeightFileException {
        long v = varint();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw fail(what + " " + v + " out of range");
        }
        return (int) v;
    }

    /** Reads a length prefix and returns the end of the delimited bytes, which start at {@link #position()}. */
    int lengthDelimited(String what) throws WeightFileException {
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw fail(what + " of " + Long.toUnsignedString(len) + " bytes at byte " + pos + " runs past the end of its message ("
                    + (end - pos) + " bytes left)");
        }
        return pos + (int) len;
    }

    /** Moves to {@code to} (the end of a delimited field that was read by a sub-reader). */
    void skipTo(int to) {
        pos = to;
    }

    String string(String what) throws WeightFileException {
        int stop = lengthDelimited(what);
        ByteBuffer slice = bytes.duplicate();
        slice.limit(stop).position(pos);
        pos = stop;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not valid UTF-8");
        }
    }

    int fixed32() throws WeightFileException {
        if (end - pos < 4) {
            throw fail("truncated 32-bit field at byte " + pos);
        }
        int v = bytes.getInt(pos);
        pos += 4;
        return v;
    }

    /** Skips the value of a field with the given tag. */
    void skip(long tag) throws WeightFileException {
        switch ((int) (tag & 7)) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case FIXED32 -> advance(4);
            case LENGTH_DELIMITED -> pos = lengthDelimited("field " + (tag >>> 3));
            default -> throw fail("unsupported wire type " + (tag & 7));
        }
    }

    private void advance(int n) throws WeightFileException {
        if (end - pos < n) {
            throw fail("truncated " + (8 * n) + "-bit field at byte " + pos);
        }
        pos += n;
    }

    /** Fails unless the tag has the expected wire type. */
    void expect(long tag, int wire, String what) throws WeightFileException {
        if ((tag & 7) != wire) {
            throw fail(what + " (field " + (tag >>> 3) + ") has wire type " + (tag & 7) + ", expected " + wire);
        }
    }

    WeightFileException fail(String message) {
        return new WeightFileException(file, entry, message);
    }
}
