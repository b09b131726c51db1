package dev.graft.reliability.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Hand-made PNG files: any header dimensions, pixel data that compresses to almost nothing. */
public final class Images {
    private Images() {
    }

    /** An 8-bit RGB PNG of {@code w x h} black pixels; {@code withData=false} writes the header only. */
    public static byte[] blackPng(int w, int h, boolean withData) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        if (withData) {
            Deflater d = new Deflater(9);
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            byte[] row = new byte[1 + 3 * w]; // filter byte 0 + black pixels
            byte[] buf = new byte[1 << 16];
            for (int y = 0; y < h; y++) {
                d.setInput(row);
                while (!d.needsInput()) {
                    int n = d.deflate(buf);
                    z.write(buf, 0, n);
                }
            }
            d.finish();
            while (!d.finished()) {
                int n = d.deflate(buf);
                z.write(buf, 0, n);
            }
            d.end();
            chunk(out, "IDAT", z.toByteArray());
        }
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
