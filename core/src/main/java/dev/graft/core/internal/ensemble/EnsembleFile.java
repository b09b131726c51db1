package dev.graft.core.internal.ensemble;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@value #NAME} file of a soft-voting ensemble's model folder: format version, voting kind and the members,
 * each a folder inside {@value #MEMBERS}/ with its weight.
 * <pre>
 * {"format": 1, "voting": "soft", "members": [{"folder": "members/1-setfit", "weight": 1.0}, ...]}
 * </pre>
 */
public final class EnsembleFile {
    public static final String NAME = "ensemble.json";
    public static final String MEMBERS = "members";
    static final int FORMAT = 1;

    /** One member: its folder relative to the ensemble's, and its weight. */
    public record Entry(String folder, double weight) {
    }

    private EnsembleFile() {
    }

    /** Whether {@code dir} is an ensemble's model folder. */
    public static boolean is(Path dir) {
        return Files.isRegularFile(dir.resolve(NAME));
    }

    /**
     * Reads and checks the file: format, voting, at least two members, each folder a plain relative path inside
     * {@value #MEMBERS}/ and each weight as {@link #checkWeights} wants.
     *
     * @throws IOException naming the file and the field at fault
     */
    public static List<Entry> read(Path dir) throws IOException {
        Path f = dir.resolve(NAME);
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new IOException(f + ": not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(f + ": invalid JSON: " + e.getMessage(), e);
        }
        try {
            int format = o.has("format") ? o.get("format").getAsInt() : -1;
            if (format != FORMAT) {
                throw new IOException(f + ": field 'format' is " + o.get("format") + "; this Graft reads ensemble format " + FORMAT);
            }
            if (!o.has("voting") || !"soft".equals(o.get("voting").getAsString())) {
                throw new IOException(f + ": field 'voting' is " + o.get("voting") + "; only \"soft\" (probabilities averaged) is known");
            }
            if (!o.has("members") || !o.get("members").isJsonArray()) {
                throw new IOException(f + ": field 'members' is missing or not a list");
            }
            JsonArray a = o.getAsJsonArray("members");
            List<Entry> out = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                String at = "members[" + i + "]";
                if (!a.get(i).isJsonObject()) {
                    throw new IOException(f + ": field '" + at + "' is not an object");
                }
                JsonObject m = a.get(i).getAsJsonObject();
                if (!m.has("folder") || !m.has("weight")) {
                    throw new IOException(f + ": field '" + at + "' needs 'folder' and 'weight'");
                }
                String folder = m.get("folder").getAsString();
                Path p = Path.of(folder);
                if (p.isAbsolute() || !p.normalize().equals(p) || p.getNameCount() != 2 || !p.getName(0).toString().equals(MEMBERS)) {
                    throw new IOException(f + ": field '" + at + ".folder' is '" + folder + "'; a member lives in a folder of its own "
                            + "inside '" + MEMBERS + "/' (e.g. " + MEMBERS + "/1-model)");
                }
                double w = m.get("weight").getAsDouble();
                weights.add(w);
                out.add(new Entry(folder, w));
            }
            try {
                checkWeights(weights, "field 'members[i].weight'");
            } catch (IllegalArgumentException e) {
                throw new IOException(f + ": " + e.getMessage(), e);
            }
            return out;
        } catch (ClassCastException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new IOException(f + ": a field has the wrong type: " + e.getMessage(), e);
        }
    }

    /** Writes the file into {@code dir}. */
    public static void write(Path dir, List<Entry> members) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("voting", "soft");
        JsonArray a = new JsonArray();
        for (Entry e : members) {
            JsonObject m = new JsonObject();
            m.addProperty("folder", e.folder());
            m.addProperty("weight", e.weight());
            a.add(m);
        }
        o.add("members", a);
        Files.writeString(dir.resolve(NAME), new GsonBuilder().setPrettyPrinting().create().toJson(o), StandardCharsets.UTF_8);
    }

    /**
     * Weights of an ensemble: at least two, each finite and at least 0, not all 0 (they are normalised to sum 1).
     *
     * @param what how the message names them, e.g. {@code --weights}
     */
    public static void checkWeights(List<Double> weights, String what) {
        if (weights.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs at least two members, " + what + " has " + weights.size());
        }
        double sum = 0;
        for (int i = 0; i < weights.size(); i++) {
            double w = weights.get(i);
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException(what + ": weight " + (i + 1) + " is " + w + "; weights must be finite and >= 0");
            }
            sum += w;
        }
        if (sum == 0) {
            throw new IllegalArgumentException(what + ": every weight is 0; at least one member must count");
        }
    }
}
