package dev.graft.nlp.internal;

import dev.graft.core.spi.Example;
import dev.graft.nlp.BertBatch;
import dev.graft.nlp.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/** Tokenizes examples whose input is a text or a text pair. */
final class TextEncoding {
    private TextEncoding() {
    }

    static List<BertBatch.Sequence> tokenize(TextTokenizer tok, List<Example> batch, String backbone) {
        List<BertBatch.Sequence> out = new ArrayList<>(batch.size());
        for (Example e : batch) {
            if (e.input() instanceof String s) {
                out.add(tok.encode(nonEmpty(s, e, backbone)));
            } else if (e.input() instanceof Example.TextPair p) {
                out.add(tok.encode(nonEmpty(p.first(), e, backbone), nonEmpty(p.second(), e, backbone)));
            } else {
                throw new IllegalArgumentException(e.source() + ": backbone '" + backbone + "' reads text or text pairs, got "
                        + (e.input() == null ? "nothing" : e.input().getClass().getSimpleName()));
            }
        }
        return out;
    }

    /** Tokens of one example's text or text pair (0 for an empty text or another input: {@link #tokenize} reports those). */
    static int length(TextTokenizer tok, Example e) {
        if (e.input() instanceof String s) {
            return s.isBlank() ? 0 : tok.length(s);
        }
        if (e.input() instanceof Example.TextPair p) {
            return p.first().isBlank() || p.second().isBlank() ? 0 : tok.length(p.first(), p.second());
        }
        return 0;
    }

    private static String nonEmpty(String text, Example e, String backbone) {
        if (text.isBlank()) {
            throw new IllegalArgumentException(e.source() + ": empty text; backbone '" + backbone + "' has nothing to encode");
        }
        return text;
    }
}
