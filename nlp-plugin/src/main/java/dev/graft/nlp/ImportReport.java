package dev.graft.nlp;

import dev.graft.engine.spi.Shape;
import java.util.List;

/**
 * What a weight import did with every tensor: imported (source name to parameter name), skipped
 * (no parameter for it, e.g. pre-training heads or optimizer slots), mis-shaped, and the
 * parameters nothing was found for.
 */
public record ImportReport(String source, List<Mapped> imported, List<String> skipped, List<Mismatch> misshaped,
        List<String> missing) {
    public ImportReport {
        imported = List.copyOf(imported);
        skipped = List.copyOf(skipped);
        misshaped = List.copyOf(misshaped);
        missing = List.copyOf(missing);
    }

    /** A source tensor and the parameter it filled; {@code transposed} for [out, in] layouts. */
    public record Mapped(String from, String to, boolean transposed) {
    }

    /** A source tensor whose shape does not fit its parameter. */
    public record Mismatch(String from, String to, Shape found, Shape expected) {
        @Override
        public String toString() {
            return from + " -> " + to + ": found " + found + ", expected " + expected;
        }
    }

    /** Every parameter filled and every mapped tensor of the right shape. */
    public boolean complete() {
        return misshaped.isEmpty() && missing.isEmpty();
    }

    /** A multi-line account, for logs and error messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("weights from ").append(source).append(": ").append(imported.size()).append(" imported, ")
                .append(skipped.size()).append(" skipped, ").append(misshaped.size()).append(" mis-shaped, ")
                .append(missing.size()).append(" parameters missing");
        misshaped.forEach(m -> sb.append("\n  mis-shaped: ").append(m));
        missing.forEach(m -> sb.append("\n  missing: ").append(m));
        skipped.forEach(s -> sb.append("\n  skipped: ").append(s));
        return sb.toString();
    }
}
