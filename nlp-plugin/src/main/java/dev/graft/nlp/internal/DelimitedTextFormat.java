package dev.graft.nlp.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) and TSV (tab-separated,
 * quotes taken literally, as in GLUE's files). Each bad row becomes a problem with file and line.
 */
abstract class DelimitedTextFormat implements DatasetFormat {
    private final String id;
    private final char separator;
    private final boolean quoting;
    private final List<String> extensions;

    DelimitedTextFormat(String id, char separator, boolean quoting, List<String> extensions) {
        this.id = id;
        this.separator = separator;
        this.quoting = quoting;
        this.extensions = extensions;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean accepts(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        return extensions.stream().anyMatch(name::endsWith);
    }

    @Override
    public Result read(Path path, Map<String, String> options) throws IOException {
        TextColumns cols = TextColumns.parse(id, options, true);
        List<Problem> problems = new ArrayList<>();
        List<String> lines = TextLines.read(path, problems);
        List<Example> examples = new ArrayList<>();
        int textCol = -1;
        int text2Col = -1;
        int labelCol = -1;
        int width = -1;
        int i = 0;
        while (i < lines.size()) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (line == null) {
                i++;
                continue;
            }
            if (line.isBlank()) {
                i++;
                continue;
            }
            List<String> fields = new ArrayList<>();
            String err = null;
            if (quoting) {
                StringBuilder cur = new StringBuilder();
                boolean inQuotes = false;
                boolean wasQuoted = false;
                String text = line;
                int pos = 0;
                while (true) {
                    if (pos == text.length()) {
                        if (inQuotes) {
                            if (i + 1 < lines.size() && lines.get(i + 1) != null) {
                                i++;
                                text = lines.get(i);
                                pos = 0;
                                cur.append('\n');
                                continue;
                            }
                            err = "unterminated quoted field";
                        }
                        fields.add(cur.toString());
                        break;
                    }
                    char ch = text.charAt(pos++);
                    if (inQuotes) {
                        if (ch == '"') {
                            if (pos < text.length() && text.charAt(pos) == '"') {
                                cur.append('"');
                                pos++;
                            } else {
                                inQuotes = false;
                            }
                        } else {
                            cur.append(ch);
                        }
                    } else if (ch == '"' && cur.length() == 0 && !wasQuoted) {
                        inQuotes = true;
                        wasQuoted = true;
                    } else if (ch == separator) {
                        fields.add(cur.toString());
                        cur.setLength(0);
                        wasQuoted = false;
                    } else if (wasQuoted) {
                        err = "text after a closing quote in field " + (fields.size() + 1);
                        cur.append(ch);
                    } else {
                        cur.append(ch);
                    }
                }
            } else {
                for (String f : line.split(String.valueOf(separator), -1)) {
                    fields.add(f);
                }
            }
            i++;
            String source = path + ":" + lineNo;
            if (err != null) {
                problems.add(new Problem(source, err));
                continue;
            }
            if (width < 0) {
                width = fields.size();
                if (cols.header()) {
                    textCol = column(fields, cols.text(), source, "text");
                    text2Col = cols.text2() == null ? -1 : column(fields, cols.text2(), source, "text2");
                    labelCol = cols.label() == null ? -1 : column(fields, cols.label(), source, "label");
                    continue;
                }
                textCol = index(cols.text(), width, "text");
                text2Col = cols.text2() == null ? -1 : index(cols.text2(), width, "text2");
                labelCol = cols.label() == null ? -1 : index(cols.label(), width, "label");
            }
            if (fields.size() != width) {
                problems.add(new Problem(source, "expected " + width + " fields, found " + fields.size()));
                continue;
            }
            String text = fields.get(textCol);
            String text2 = text2Col < 0 ? null : fields.get(text2Col);
            String label = labelCol < 0 ? null : fields.get(labelCol).strip();
            if (text.isBlank() || (text2Col >= 0 && text2.isBlank())) {
                problems.add(new Problem(source, "empty text"));
            } else if (labelCol >= 0 && label.isEmpty()) {
                problems.add(new Problem(source, "empty label"));
            } else {
                examples.add(new Example(source, cols.input(text, text2), label));
            }
        }
        if (width < 0 && problems.isEmpty()) {
            problems.add(new Problem(path.toString(), "no rows"));
        }
        return new Result(examples, problems);
    }

    /** A header without the named column fails the whole read (it is not one bad row), listing the columns. */
    private static int column(List<String> header, String name, String source, String what) throws IOException {
        int at = header.indexOf(name);
        if (at < 0) {
            throw TextColumns.missing(source, what, name, "column", "in the header", header);
        }
        return at;
    }

    private static int index(String name, int width, String what) throws IOException {
        try {
            int at = Integer.parseInt(name);
            if (at >= 0 && at < width) {
                return at;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IOException("without a header, option " + what + " must be a column index 0.." + (width - 1)
                + ", got '" + name + "'");
    }
}
