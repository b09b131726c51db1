package dev.graft.nlp;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Google's BERT tokenization (BasicTokenizer + WordpieceTokenizer) in plain Java, for checking ids. */
final class WordPieceReference {
    private final Map<String, Integer> vocab = new HashMap<>();
    private final boolean lower;

    WordPieceReference(List<String> lines, boolean lower) {
        for (int i = 0; i < lines.size(); i++) {
            vocab.put(lines.get(i).strip(), i);
        }
        this.lower = lower;
    }

    List<Integer> ids(String text) {
        List<Integer> out = new ArrayList<>();
        out.add(vocab.get("[CLS]"));
        for (String word : basic(text)) {
            out.addAll(wordPiece(word));
        }
        out.add(vocab.get("[SEP]"));
        return out;
    }

    List<String> basic(String text) {
        StringBuilder clean = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (Character.isWhitespace(cp) || Character.getType(cp) == Character.SPACE_SEPARATOR) {
                clean.append(' ');
            } else if (isCjk(cp)) {
                clean.append(' ').appendCodePoint(cp).append(' ');
            } else {
                clean.appendCodePoint(cp);
            }
        });
        List<String> out = new ArrayList<>();
        for (String tok : clean.toString().trim().split(" +")) {
            if (tok.isEmpty()) {
                continue;
            }
            if (lower) {
                tok = Normalizer.normalize(tok.toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD)
                        .replaceAll("\\p{Mn}", "");
            }
            StringBuilder cur = new StringBuilder();
            for (int cp : tok.codePoints().toArray()) {
                if (isPunct(cp)) {
                    if (cur.length() > 0) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                    out.add(new String(Character.toChars(cp)));
                } else {
                    cur.appendCodePoint(cp);
                }
            }
            if (cur.length() > 0) {
                out.add(cur.toString());
            }
        }
        return out;
    }

    private List<Integer> wordPiece(String word) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > 100) {
            return List.of(vocab.get("[UNK]"));
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            Integer found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = "##" + sub;
                }
                if (vocab.containsKey(sub)) {
                    found = vocab.get(sub);
                    break;
                }
                end--;
            }
            if (found == null) {
                return List.of(vocab.get("[UNK]"));
            }
            pieces.add(found);
            start = end;
        }
        return pieces;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT;
    }

    private static boolean isPunct(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
