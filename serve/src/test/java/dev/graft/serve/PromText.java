package dev.graft.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus text format 0.0.4, written from the format's description: every
 * sample belongs to a family declared by {@code # TYPE}, labels are well formed, values are numbers,
 * and each histogram's buckets are cumulative with {@code le="+Inf"} equal to {@code _count}.
 */
final class PromText {
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:\\\\.|[^\"\\\\])*\",?)*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:\\\\.|[^\"\\\\])*)\"");

    private PromText() {
    }

    /** Family name to (sample line key to value); throws AssertionError naming the bad line. */
    static Map<String, Map<String, Double>> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                if (types.put(t.group(1), t.group(2)) != null) {
                    throw new AssertionError("line " + n + ": second TYPE for " + t.group(1));
                }
                out.put(t.group(1), new LinkedHashMap<>());
                continue;
            }
            if (HELP.matcher(line).matches()) {
                continue;
            }
            if (line.startsWith("#")) {
                throw new AssertionError("line " + n + ": unknown comment: " + line);
            }
            Matcher s = SAMPLE.matcher(line);
            if (!s.matches()) {
                throw new AssertionError("line " + n + ": not a sample: " + line);
            }
            String name = s.group(1);
            String family = name;
            if (!types.containsKey(family)) {
                family = name.replaceFirst("_(bucket|sum|count)$", "");
                if (!"histogram".equals(types.get(family))) {
                    throw new AssertionError("line " + n + ": sample of undeclared family: " + line);
                }
            }
            double v;
            try {
                v = s.group(4).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(s.group(4));
            } catch (NumberFormatException e) {
                throw new AssertionError("line " + n + ": value is not a number: " + line);
            }
            out.get(family).put(line.substring(0, line.lastIndexOf(' ')), v);
        }
        types.forEach((f, ty) -> {
            if (ty.equals("histogram")) {
                checkHistogram(f, out.get(f));
            }
        });
        return out;
    }

    private static void checkHistogram(String family, Map<String, Double> samples) {
        Map<String, List<double[]>> buckets = new HashMap<>();
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (e.getKey().startsWith(family + "_bucket{")) {
                Map<String, String> labels = labels(e.getKey());
                String le = labels.remove("le");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.computeIfAbsent(labels.toString(), k -> new ArrayList<>()).add(new double[] {bound, e.getValue()});
            }
        }
        for (Map.Entry<String, List<double[]>> e : buckets.entrySet()) {
            List<double[]> b = e.getValue();
            for (int i = 1; i < b.size(); i++) {
                if (!(b.get(i)[0] > b.get(i - 1)[0]) || b.get(i)[1] < b.get(i - 1)[1]) {
                    throw new AssertionError(family + e.getKey() + ": buckets not ascending and cumulative");
                }
            }
            double[] last = b.get(b.size() - 1);
            if (last[0] != Double.POSITIVE_INFINITY) {
                throw new AssertionError(family + e.getKey() + ": no +Inf bucket");
            }
            Double count = null;
            for (Map.Entry<String, Double> s : samples.entrySet()) {
                if (s.getKey().startsWith(family + "_count") && labels(s.getKey()).toString().equals(e.getKey())) {
                    count = s.getValue();
                }
            }
            if (count == null || count != last[1]) {
                throw new AssertionError(family + e.getKey() + ": _count " + count + " differs from the +Inf bucket " + last[1]);
            }
        }
    }

    static Map<String, String> labels(String key) {
        Map<String, String> m = new java.util.TreeMap<>();
        int open = key.indexOf('{');
        if (open < 0) {
            return m;
        }
        Matcher l = LABEL.matcher(key.substring(open));
        while (l.find()) {
            m.put(l.group(1), l.group(2));
        }
        return m;
    }

    /** The smallest bucket bound of {@code family} for {@code model} that holds every observation. */
    static double smallestBoundHoldingAll(String text, String family, String model) {
        Map<String, Double> s = parse(text).get(family);
        double total = s.get(family + "_count{model=\"" + model + "\"}");
        double best = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Double> e : s.entrySet()) {
            Map<String, String> l = labels(e.getKey());
            if (e.getKey().startsWith(family + "_bucket") && model.equals(l.get("model")) && e.getValue() == total) {
                String le = l.get("le");
                best = Math.min(best, le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
            }
        }
        return best;
    }
}
