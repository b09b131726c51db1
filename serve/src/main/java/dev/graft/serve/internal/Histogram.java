package dev.graft.serve.internal;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram: fixed upper bounds, lock-free counts. */
final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double v) {
        for (int i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(v);
    }

    /** Appends the {@code _bucket}, {@code _sum} and {@code _count} lines; {@code labels} like {@code model="a"}. */
    void render(StringBuilder sb, String name, String labels) {
        String sep = labels.isEmpty() ? "" : ",";
        long cumulative = 0;
        // read the total first: buckets observed later can only make the +Inf line smaller than their sum,
        // so it is taken as the larger of the two to keep the series consistent
        long total = count.sum();
        double s = sum.sum();
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            sb.append(name).append("_bucket{").append(labels).append(sep).append("le=\"").append(num(bounds[i]))
                    .append("\"} ").append(cumulative).append('\n');
        }
        total = Math.max(total, cumulative);
        sb.append(name).append("_bucket{").append(labels).append(sep).append("le=\"+Inf\"} ").append(total).append('\n');
        sb.append(name).append("_sum").append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(num(s)).append('\n');
        sb.append(name).append("_count").append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(total).append('\n');
    }

    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.6g", d);
    }
}
