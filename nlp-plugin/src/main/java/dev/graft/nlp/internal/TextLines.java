package dev.graft.nlp.internal;

import dev.graft.core.spi.DatasetFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A text file as numbered lines, decoded as strict UTF-8 line by line: a line with invalid bytes
 * becomes a problem naming the file, line and byte column, and is {@code null} in the result.
 */
final class TextLines {
    private TextLines() {
    }

    static List<String> read(Path file, List<DatasetFormat.Problem> problems) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<String> lines = new ArrayList<>();
        int start = 0;
        int offset = 0;
        if (all.length >= 3 && (all[0] & 0xFF) == 0xEF && (all[1] & 0xFF) == 0xBB && (all[2] & 0xFF) == 0xBF) {
            start = 3;
            offset = 3;
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = offset; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                if (i == all.length && start == all.length) {
                    break;
                }
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                try {
                    lines.add(dec.reset().decode(ByteBuffer.wrap(all, start, end - start)).toString());
                } catch (CharacterCodingException e) {
                    problems.add(new DatasetFormat.Problem(file + ":" + (lines.size() + 1),
                            "invalid UTF-8 at byte " + (badByte(all, start, end) - start + 1) + " of the line"));
                    lines.add(null);
                }
                start = i + 1;
            }
        }
        return lines;
    }

    /** Index of the first byte of the first malformed sequence in {@code b[from, to)}: one decoding pass. */
    private static int badByte(byte[] b, int from, int to) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(Math.min(8192, Math.max(16, to - from)));
        while (true) {
            java.nio.charset.CoderResult r = dec.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            r = dec.flush(out);
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            return to;
        }
    }
}
