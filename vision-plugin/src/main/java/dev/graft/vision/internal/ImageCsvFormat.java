package dev.graft.vision.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.vision.image.ImageDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CSV of {@code path,label} with that header; relative paths are resolved against the CSV's
 * folder. Quoted fields ({@code "a, b.png"}) are understood. A malformed row or an unreadable image
 * is a problem naming {@code file:line}. Options as {@link ImageFolderFormat}.
 */
public final class ImageCsvFormat implements DatasetFormat {
    @Override
    public String id() {
        return "image-csv";
    }

    @Override
    public boolean accepts(Path path) {
        if (!Files.isRegularFile(path) || !path.toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String h = r.readLine();
            return h != null && header(h);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean header(String line) {
        List<String> f = split(line.strip());
        return f != null && f.size() == 2 && f.get(0).strip().equalsIgnoreCase("path") && f.get(1).strip().equalsIgnoreCase("label");
    }

    @Override
    public Result read(Path csv, Map<String, String> options) throws IOException {
        ImageFiles.checkOptions(id(), options);
        ImageDecoder dec = ImageFiles.decoder(options);
        String verify = options.getOrDefault("verify", "full");
        Path base = csv.toAbsolutePath().getParent();
        List<Example> examples = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !header(lines.get(0).replace("\uFEFF", ""))) {
            throw new IOException(csv + ":1: expected the header 'path,label', got '" + (lines.isEmpty() ? "" : lines.get(0)) + "'");
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = csv + ":" + (i + 1);
            if (line.isBlank()) {
                continue;
            }
            List<String> f = split(line);
            if (f == null || f.size() != 2) {
                problems.add(new Problem(where, "expected 2 fields path,label, got " + (f == null ? "an unbalanced quote" : f.size() + " fields")));
                continue;
            }
            String p = f.get(0).strip();
            String label = f.get(1).strip();
            if (p.isEmpty() || label.isEmpty()) {
                problems.add(new Problem(where, "empty " + (p.isEmpty() ? "path" : "label")));
                continue;
            }
            Path file = base.resolve(p).normalize();
            if (ImageFiles.check(file, where + " " + file, dec, verify, problems)) {
                examples.add(new Example(where + " " + file, file, label));
            }
        }
        return new Result(examples, problems);
    }

    /** Splits one CSV line (RFC 4180 quotes); null if a quote is unbalanced. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            return null;
        }
        out.add(cur.toString());
        return out;
    }
}
