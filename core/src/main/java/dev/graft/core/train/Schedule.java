package dev.graft.core.train;

import dev.graft.engine.spi.train.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A learning-rate schedule as the trainer configures it, typed for Java and written as text for
 * the CLI ({@code --schedule}): {@code constant}, {@code cosine} (to 0 over the run),
 * {@code linear} (to 0 over the run, the usual transformer fine-tuning decay),
 * {@code step:every=2,gamma=0.5} (times gamma every N epochs), {@code one-cycle:pctStart=0.3};
 * any of them with {@code warmup=0.1} (linear warmup over that fraction of all steps, e.g.
 * {@code linear:warmup=0.1}). A strategy's warmup epochs apply too; the longer warmup wins.
 */
public record Schedule(Kind kind, double warmup, int everyEpochs, double gamma, double pctStart) {
    /** The schedule shapes. */
    public enum Kind {
        CONSTANT("constant"), COSINE("cosine"), LINEAR("linear"), STEP("step"), ONE_CYCLE("one-cycle");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** Every form {@link #parse} accepts. */
    public static final List<String> FORMS = List.of("constant", "cosine", "linear", "step:every=N,gamma=G",
            "one-cycle:pctStart=P", "<any>:warmup=F");

    public Schedule {
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("schedule warmup must be a fraction of the steps in [0, 1), got " + warmup);
        }
        if (everyEpochs < 1) {
            throw new IllegalArgumentException("step schedule: every must be >= 1 epoch, got " + everyEpochs);
        }
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("step schedule: gamma must be in (0, 1], got " + gamma);
        }
        if (!(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("one-cycle schedule: pctStart must be in (0, 1), got " + pctStart);
        }
    }

    public static Schedule constant() {
        return new Schedule(Kind.CONSTANT, 0, 1, 0.1, 0.3);
    }

    public static Schedule cosine() {
        return new Schedule(Kind.COSINE, 0, 1, 0.1, 0.3);
    }

    /** Linear decay to 0 over the run. */
    public static Schedule linear() {
        return new Schedule(Kind.LINEAR, 0, 1, 0.1, 0.3);
    }

    /** The rate times {@code gamma} every {@code everyEpochs} epochs. */
    public static Schedule step(int everyEpochs, double gamma) {
        return new Schedule(Kind.STEP, 0, everyEpochs, gamma, 0.3);
    }

    /** One-cycle (Smith): up to the rate over {@code pctStart} of the steps, then cosine down. */
    public static Schedule oneCycle(double pctStart) {
        return new Schedule(Kind.ONE_CYCLE, 0, 1, 0.1, pctStart);
    }

    /** This schedule after a linear warmup over {@code fraction} of all steps. */
    public Schedule withWarmup(double fraction) {
        return new Schedule(kind, fraction, everyEpochs, gamma, pctStart);
    }

    /**
     * Reads the text form.
     *
     * @throws IllegalArgumentException naming the bad part and listing the forms
     */
    public static Schedule parse(String text) {
        String t = text == null ? "" : text.trim();
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon);
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.text.equals(name)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("unknown schedule '" + text + "'; valid schedules: " + FORMS);
        }
        Map<String, String> p = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String kv : t.substring(colon + 1).split(",")) {
                int eq = kv.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("schedule '" + text + "': '" + kv + "' is not key=value; forms: " + FORMS);
                }
                p.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        List<String> known = switch (kind) {
            case STEP -> List.of("warmup", "every", "gamma");
            case ONE_CYCLE -> List.of("warmup", "pctStart");
            default -> List.of("warmup");
        };
        for (String k : p.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("schedule '" + text + "': unknown parameter '" + k + "'; " + kind.text
                        + " takes " + known);
            }
        }
        try {
            return new Schedule(kind, Double.parseDouble(p.getOrDefault("warmup", "0")),
                    Integer.parseInt(p.getOrDefault("every", "1")), Double.parseDouble(p.getOrDefault("gamma", "0.1")),
                    Double.parseDouble(p.getOrDefault("pctStart", "0.3")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("schedule '" + text + "': not a number (" + e.getMessage() + "); forms: " + FORMS, e);
        }
    }

    /** The text form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        List<String> p = new java.util.ArrayList<>();
        if (kind == Kind.STEP) {
            p.add("every=" + everyEpochs);
            p.add("gamma=" + num(gamma));
        }
        if (kind == Kind.ONE_CYCLE) {
            p.add("pctStart=" + num(pctStart));
        }
        if (warmup > 0) {
            p.add("warmup=" + num(warmup));
        }
        return kind.text + (p.isEmpty() ? "" : ":" + String.join(",", p));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    /**
     * The per-step schedule for a run of {@code totalSteps} steps of {@code stepsPerEpoch}, with at
     * least {@code minWarmupSteps} of warmup (a strategy's warmup epochs).
     */
    public LearningRateSchedule build(double lr, long totalSteps, int stepsPerEpoch, long minWarmupSteps) {
        long warm = Math.max(minWarmupSteps, Math.round(warmup * totalSteps));
        long rest = Math.max(1, totalSteps - warm);
        LearningRateSchedule after = switch (kind) {
            case CONSTANT -> LearningRateSchedule.constant(lr);
            case COSINE -> LearningRateSchedule.cosine(lr, rest, 0);
            case LINEAR -> step -> lr * Math.max(0.0, 1.0 - (double) step / rest);
            case STEP -> LearningRateSchedule.step(lr, (long) everyEpochs * Math.max(1, stepsPerEpoch), gamma);
            case ONE_CYCLE -> LearningRateSchedule.oneCycle(lr, Math.max(2, rest), pctStart);
        };
        return warm > 0 ? LearningRateSchedule.warmup(warm, after) : after;
    }
}
