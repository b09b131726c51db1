package dev.graft.nlp.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One JSON object per line, e.g. {@code {"text": "...", "label": "positive"}}; labels may be numbers. */
public final class JsonlTextFormat implements DatasetFormat {
    @Override
    public String id() {
        return "jsonl";
    }

    @Override
    public boolean accepts(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson");
    }

    @Override
    public Result read(Path path, Map<String, String> options) throws IOException {
        TextColumns cols = TextColumns.parse("jsonl", options, false);
        List<Problem> problems = new ArrayList<>();
        List<Example> examples = new ArrayList<>();
        List<String> lines = TextLines.read(path, problems);
        // a field name that no object has fails the whole read, not every line as a bad row
        java.util.Set<String> fields = new java.util.TreeSet<>();
        boolean anyObject = false;
        boolean anyText = false;
        boolean anyText2 = false;
        boolean anyLabel = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line == null || line.isBlank()) {
                continue;
            }
            String source = path + ":" + (i + 1);
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(line);
                if (!e.isJsonObject()) {
                    problems.add(new Problem(source, "not a JSON object"));
                    continue;
                }
                o = e.getAsJsonObject();
                anyObject = true;
                fields.addAll(o.keySet());
                anyText |= o.has(cols.text());
                anyText2 |= cols.text2() != null && o.has(cols.text2());
                anyLabel |= cols.label() != null && o.has(cols.label());
            } catch (JsonParseException e) {
                problems.add(new Problem(source, "invalid JSON: " + rootMessage(e)));
                continue;
            }
            String text = string(o, cols.text());
            String text2 = cols.text2() == null ? null : string(o, cols.text2());
            String label = cols.label() == null ? null : string(o, cols.label());
            if (text == null || text.isBlank()) {
                problems.add(new Problem(source, "no text in field '" + cols.text() + "'"));
            } else if (cols.text2() != null && (text2 == null || text2.isBlank())) {
                problems.add(new Problem(source, "no text in field '" + cols.text2() + "'"));
            } else if (cols.label() != null && (label == null || label.isBlank())) {
                problems.add(new Problem(source, "no label in field '" + cols.label() + "'"));
            } else {
                examples.add(new Example(source, cols.input(text, text2), label == null ? null : label.strip()));
            }
        }
        if (anyObject) {
            if (!anyText) {
                throw TextColumns.missing(path.toString(), "text", cols.text(), "field", "in any object", fields);
            }
            if (cols.text2() != null && !anyText2) {
                throw TextColumns.missing(path.toString(), "text2", cols.text2(), "field", "in any object", fields);
            }
            if (cols.label() != null && !anyLabel) {
                throw TextColumns.missing(path.toString(), "label", cols.label(), "field", "in any object", fields);
            }
        }
        if (examples.isEmpty() && problems.isEmpty()) {
            problems.add(new Problem(path.toString(), "no rows"));
        }
        return new Result(examples, problems);
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonPrimitive()) {
            return null;
        }
        return e.getAsString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
