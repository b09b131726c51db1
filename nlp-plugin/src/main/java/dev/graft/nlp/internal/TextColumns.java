package dev.graft.nlp.internal;

import dev.graft.core.spi.Example;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which fields hold the text, the optional second text of a pair, and the label. Options:
 * {@code text} (default {@code text}), {@code text2} (none), {@code label} (default {@code label};
 * {@code none} for unlabelled data), and for delimited files {@code header} (default true; without a
 * header, fields are named by 0-based index).
 */
record TextColumns(String text, String text2, String label, boolean header) {
    /** How to name the columns, appended to a wrong-column error. */
    static final String HINT = "name them with the format options text and label (graft: -D text=COLUMN -D label=COLUMN)";

    /** A column or field name the data does not have, listing the ones present and how to name them. */
    static java.io.IOException missing(String where, String what, String name, String kind, String place,
            java.util.Collection<String> present) {
        return new java.io.IOException(where + ": no " + what + " " + kind + " '" + name + "' " + place + "; " + kind
                + "s present: " + present + "; " + HINT);
    }

    static TextColumns parse(String format, Map<String, String> options, boolean delimited) {
        Set<String> known = new TreeSet<>(Set.of("text", "text2", "label"));
        if (delimited) {
            known.add("header");
        }
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown " + format + " option '" + k + "'; valid options: " + known);
            }
        }
        String header = options.getOrDefault("header", "true");
        if (!header.equals("true") && !header.equals("false")) {
            throw new IllegalArgumentException(format + " option header must be true or false, got '" + header + "'");
        }
        String label = options.getOrDefault("label", "label");
        return new TextColumns(options.getOrDefault("text", "text"), options.get("text2"),
                label.equals("none") ? null : label, Boolean.parseBoolean(header));
    }

    /** The example's input: a text or a pair. */
    Object input(String first, String second) {
        return text2 == null ? first : new Example.TextPair(first, second);
    }
}
