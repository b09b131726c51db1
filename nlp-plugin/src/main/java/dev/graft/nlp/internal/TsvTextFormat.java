package dev.graft.nlp.internal;

import java.util.List;

/** Texts and labels in a tab-separated file (quotes are ordinary characters). */
public final class TsvTextFormat extends DelimitedTextFormat {
    public TsvTextFormat() {
        super("tsv", '\t', false, List.of(".tsv", ".tab"));
    }
}
