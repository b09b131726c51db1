package dev.graft.nlp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GPT-2 / RoBERTa byte-level BPE in plain Java (the original encoder.py algorithm), for checking ids. */
final class ByteLevelBpeReference {
    static final Pattern PRE = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks = new HashMap<>();

    ByteLevelBpeReference(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = vocab;
        for (String m : merges) {
            ranks.putIfAbsent(m, ranks.size());
        }
    }

    /** GPT-2's reversible byte-to-printable-character table. */
    static String[] byteChars() {
        List<Integer> bs = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            bs.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            bs.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            bs.add(b);
        }
        String[] out = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (bs.contains(b)) {
                out[b] = new String(Character.toChars(b));
            } else {
                out[b] = new String(Character.toChars(256 + n++));
            }
        }
        return out;
    }

    List<Integer> ids(String text) {
        String[] table = byteChars();
        List<Integer> out = new ArrayList<>();
        out.add(vocab.get("<s>"));
        Matcher m = PRE.matcher(text);
        while (m.find()) {
            List<String> word = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                word.add(table[b & 0xFF]);
            }
            while (word.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < word.size(); i++) {
                    Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                String a = word.get(best);
                String b = word.get(best + 1);
                List<String> merged = new ArrayList<>();
                for (int i = 0; i < word.size(); i++) {
                    if (i + 1 < word.size() && word.get(i).equals(a) && word.get(i + 1).equals(b)) {
                        merged.add(a + b);
                        i++;
                    } else {
                        merged.add(word.get(i));
                    }
                }
                word = merged;
            }
            for (String piece : word) {
                out.add(vocab.get(piece));
            }
        }
        out.add(vocab.get("</s>"));
        return out;
    }
}
