package dev.graft.vision.weights;

import dev.graft.engine.spi.Shape;
import java.util.List;

/**
 * Every tensor an import met: imported (with the parameter it became), network parameters the file
 * did not have, tensors whose shape did not fit, tensors skipped on purpose (with the reason) and
 * tensors no rule knew.
 */
public record ImportReport(String source, WeightLayout layout, List<Imported> imported, List<String> missing,
        List<Mismatch> misShaped, List<Skipped> skipped, List<String> unknown) {
    public ImportReport {
        imported = List.copyOf(imported);
        missing = List.copyOf(missing);
        misShaped = List.copyOf(misShaped);
        skipped = List.copyOf(skipped);
        unknown = List.copyOf(unknown);
    }

    /** A source tensor that became a parameter (after the named layout change). */
    public record Imported(String parameter, String tensor, Shape shape, String transform) {
    }

    /** A tensor whose shape (after the layout change) is not the parameter's. */
    public record Mismatch(String parameter, String tensor, Shape expected, Shape found) {
    }

    /** A tensor left out on purpose. */
    public record Skipped(String tensor, String reason) {
    }

    /** Whether every parameter was filled and every tensor accounted for. */
    public boolean complete() {
        return missing.isEmpty() && misShaped.isEmpty() && unknown.isEmpty();
    }

    /** One line per tensor, problems first. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append("weights ").append(source).append(" (").append(layout.name().toLowerCase()).append(" layout): ")
                .append(imported.size()).append(" imported, ").append(missing.size()).append(" missing, ")
                .append(misShaped.size()).append(" mis-shaped, ").append(skipped.size()).append(" skipped, ")
                .append(unknown.size()).append(" unknown\n");
        missing.forEach(m -> sb.append("  MISSING    ").append(m).append(" (not in the file)\n"));
        misShaped.forEach(m -> sb.append("  MISSHAPED  ").append(m.parameter()).append(" <- ").append(m.tensor())
                .append(": expected ").append(m.expected()).append(", file gives ").append(m.found()).append('\n'));
        unknown.forEach(u -> sb.append("  UNKNOWN    ").append(u).append(" (no parameter takes it)\n"));
        skipped.forEach(s -> sb.append("  skipped    ").append(s.tensor()).append(": ").append(s.reason()).append('\n'));
        imported.forEach(i -> sb.append("  imported   ").append(i.parameter()).append(" <- ").append(i.tensor())
                .append(' ').append(i.shape()).append(i.transform().equals("identity") ? "" : " (" + i.transform() + ")")
                .append('\n'));
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
