package dev.graft.core.internal.baseline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TF-IDF over word n-grams, computed as scikit-learn's {@code TfidfVectorizer} does with its
 * defaults ({@code lowercase=True}, {@code token_pattern=r"(?u)\b\w\w+\b"}, {@code smooth_idf=True},
 * {@code norm="l2"}) plus {@code ngram_range} and {@code sublinear_tf}:
 *
 * <pre>
 *   tf(t, d)  = count of term t in d            (sublinear: 1 + ln count, for count &gt; 0)
 *   idf(t)    = ln((1 + n) / (1 + df(t))) + 1   n = training documents, df = documents containing t
 *   x(d)      = [tf(t, d) * idf(t)]_t / ||[tf(t, d) * idf(t)]_t||_2   (a zero row stays zero)
 * </pre>
 *
 * Terms are the n-grams of the lower-cased tokens (runs of two or more word characters), joined
 * by one space; the vocabulary is the training terms with {@code df >= minDf}, in sorted order.
 * Terms unseen in training are ignored at transform time.
 */
public final class TfIdf {
    private static final Pattern TOKEN = Pattern.compile("\\b\\w\\w+\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private final int minN;
    private final int maxN;
    private final boolean sublinear;
    private final Map<String, Integer> vocabulary;
    private final List<String> terms;
    private final double[] idf;

    private TfIdf(int minN, int maxN, boolean sublinear, List<String> terms, double[] idf) {
        this.minN = minN;
        this.maxN = maxN;
        this.sublinear = sublinear;
        this.terms = List.copyOf(terms);
        this.idf = idf;
        this.vocabulary = new HashMap<>();
        for (int i = 0; i < terms.size(); i++) {
            vocabulary.put(terms.get(i), i);
        }
    }

    /** Lower-cased tokens of {@code text}: runs of two or more word characters. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The {@code minN}..{@code maxN}-grams of {@code text}'s tokens, with repeats, unigrams first. */
    public static List<String> terms(String text, int minN, int maxN) {
        List<String> tok = tokens(text);
        List<String> out = new ArrayList<>();
        for (int n = minN; n <= maxN; n++) {
            for (int i = 0; i + n <= tok.size(); i++) {
                out.add(n == 1 ? tok.get(i) : String.join(" ", tok.subList(i, i + n)));
            }
        }
        return out;
    }

    /** Learns the vocabulary and idf weights from {@code texts}. */
    public static TfIdf fit(List<String> texts, int minN, int maxN, int minDf, boolean sublinear) {
        if (minN < 1 || maxN < minN || minDf < 1) {
            throw new IllegalArgumentException("n-gram range " + minN + ".." + maxN + " and min df " + minDf
                    + ": want 1 <= min <= max and min df >= 1");
        }
        Map<String, Integer> df = new TreeMap<>();
        for (String t : texts) {
            Set<String> seen = new HashSet<>(terms(t, minN, maxN));
            seen.forEach(s -> df.merge(s, 1, Integer::sum));
        }
        List<String> kept = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        df.forEach((term, c) -> {
            if (c >= minDf) {
                kept.add(term);
                counts.add(c);
            }
        });
        double n = texts.size();
        double[] idf = new double[kept.size()];
        for (int i = 0; i < idf.length; i++) {
            idf[i] = Math.log((1 + n) / (1 + counts.get(i))) + 1;
        }
        return new TfIdf(minN, maxN, sublinear, kept, idf);
    }

    /** The L2-normalised TF-IDF rows of {@code texts}. */
    public SparseRows transform(List<String> texts) {
        int[] start = new int[texts.size() + 1];
        List<int[]> cols = new ArrayList<>();
        List<double[]> vals = new ArrayList<>();
        for (int r = 0; r < texts.size(); r++) {
            TreeMap<Integer, Integer> counts = new TreeMap<>();
            for (String term : terms(texts.get(r), minN, maxN)) {
                Integer c = vocabulary.get(term);
                if (c != null) {
                    counts.merge(c, 1, Integer::sum);
                }
            }
            int[] c = new int[counts.size()];
            double[] v = new double[counts.size()];
            double norm = 0;
            int k = 0;
            for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
                c[k] = e.getKey();
                double tf = sublinear ? 1 + Math.log(e.getValue()) : e.getValue();
                v[k] = tf * idf[c[k]];
                norm += v[k] * v[k];
                k++;
            }
            if (norm > 0) {
                double s = 1 / Math.sqrt(norm);
                for (int i = 0; i < v.length; i++) {
                    v[i] *= s;
                }
            }
            cols.add(c);
            vals.add(v);
            start[r + 1] = start[r] + c.length;
        }
        int[] column = new int[start[texts.size()]];
        double[] values = new double[column.length];
        for (int r = 0; r < texts.size(); r++) {
            System.arraycopy(cols.get(r), 0, column, start[r], cols.get(r).length);
            System.arraycopy(vals.get(r), 0, values, start[r], vals.get(r).length);
        }
        return new SparseRows(texts.size(), terms.size(), start, column, values);
    }

    /** The vocabulary, in column order. */
    public List<String> vocabulary() {
        return terms;
    }

    /** The idf weight of column {@code i}. */
    public double idf(int i) {
        return idf[i];
    }
}
