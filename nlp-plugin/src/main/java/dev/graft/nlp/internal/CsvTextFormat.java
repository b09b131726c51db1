package dev.graft.nlp.internal;

import java.util.List;

/** Texts and labels in a CSV file. */
public final class CsvTextFormat extends DelimitedTextFormat {
    public CsvTextFormat() {
        super("csv", ',', true, List.of(".csv"));
    }
}
