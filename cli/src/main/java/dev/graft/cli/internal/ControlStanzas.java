package dev.graft.cli.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Debian control data (deb822: dpkg's status file, APT's {@code Packages} indexes): stanzas of
 * {@code Field: value} lines separated by blank lines, where a line starting with a space or tab
 * continues the field above it. A continuation line is appended on a new line ({@code " ."}, an empty
 * line in a long description, as an empty one). What a malformed line does is the caller's policy.
 */
final class ControlStanzas {
    private ControlStanzas() {
    }

    /** One stanza: its fields in file order and the line of its first field (1-based). */
    record Stanza(Map<String, String> fields, int line) {
        String get(String field) {
            return fields.get(field);
        }
    }

    interface StanzaSink {
        void accept(Stanza stanza) throws IOException;
    }

    /** What to do with a line that is neither a field nor a continuation; may throw to stop reading. */
    interface BadLine {
        void report(int line, String message) throws IOException;
    }

    static void read(BufferedReader r, StanzaSink sink, BadLine bad) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        String current = null;
        int lineNo = 0;
        int start = 0;
        String line;
        do {
            line = r.readLine();
            lineNo++;
            if (line == null || line.isBlank()) {
                if (!fields.isEmpty()) {
                    sink.accept(new Stanza(Collections.unmodifiableMap(fields), start));
                    fields = new LinkedHashMap<>();
                }
                current = null;
            } else if (line.startsWith(" ") || line.startsWith("\t")) {
                if (current == null) {
                    bad.report(lineNo, "a continuation line outside any field");
                    continue;
                }
                String cont = line.trim();
                fields.merge(current, "\n" + (cont.equals(".") ? "" : cont), String::concat);
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    bad.report(lineNo, "not a 'Field: value' line: '" + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'");
                    continue;
                }
                if (fields.isEmpty()) {
                    start = lineNo;
                }
                current = line.substring(0, colon);
                fields.put(current, line.substring(colon + 1).trim());
            }
        } while (line != null);
    }
}
