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

    private static int badByte(byte[] b, int from, int to) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        for (int end = from + 1; end <= to; end++) {
            try {
                dec.reset().decode(ByteBuffer.wrap(b, from, end - from));
            } catch (CharacterCodingException e) {
                // a prefix ending mid-character also fails; only a failure that persists is the bad byte
                boolean fixable = false;
                for (int more = end + 1; more <= Math.min(to, end + 3); more++) {
                    try {
                        dec.reset().decode(ByteBuffer.wrap(b, from, more - from));
                        fixable = true;
                        break;
                    } catch (CharacterCodingException ignored) {
                        // keep looking
                    }
                }
                if (!fixable) {
                    return end - 1;
                }
            }
        }
        return to;
    }
}
