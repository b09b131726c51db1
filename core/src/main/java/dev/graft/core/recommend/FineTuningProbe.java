package dev.graft.core.recommend;

import dev.graft.core.config.ComponentRef;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A short fine-tuning probe, for when the candidates will be fine-tuned: LogME ranks frozen features,
 * not fine-tuned ones (docs/transfer-text.md, "Which backbone to fine-tune"). Each candidate is fine-tuned briefly on a
 * stratified part of the user's training data and scored on another, held-out part of the same
 * training data (never a test set); the candidate with the most correct held-out predictions is the
 * one to fine-tune. The fine-tuning runs themselves are the caller's (the CLI runs them through the
 * pipeline); this class holds the split, the ranking and the words.
 */
public final class FineTuningProbe {
    /** Training examples per class a probe run fine-tunes on, at most. */
    public static final int TRAIN_PER_CLASS = 64;
    /** Epochs of a probe run (the fine-tuning recipe's warmup and decay laid over them, no early stopping). */
    public static final int EPOCHS = 4;
    /** Share of each class held out for scoring. */
    public static final double HELD_OUT = 0.25;

    private FineTuningProbe() {
    }

    /** The probe's two disjoint parts of the training data. */
    public record Split(List<Example> train, List<Example> heldOut) {
        public Split {
            train = List.copyOf(train);
            heldOut = List.copyOf(heldOut);
        }
    }

    /**
     * One candidate's probe: which held-out examples its briefly fine-tuned model got right.
     *
     * @param backbone   name and options
     * @param correct    per held-out example (in the split's order), whether the prediction was right
     * @param macroF1    macro F1 on the held-out part
     * @param cpuSeconds process CPU seconds of its probe run (training and scoring)
     */
    public record Score(ComponentRef backbone, boolean[] correct, double macroF1, double cpuSeconds) {
        public Score {
            if (correct.length == 0) {
                throw new IllegalArgumentException("probe of '" + backbone.name() + "': no held-out examples were scored");
            }
            correct = correct.clone();
        }

        @Override
        public boolean[] correct() {
            return correct.clone();
        }

        public int right() {
            int n = 0;
            for (boolean c : correct) {
                n += c ? 1 : 0;
            }
            return n;
        }

        public double accuracy() {
            return (double) right() / correct.length;
        }
    }

    /**
     * A seeded, stratified split of {@code data}: {@value #HELD_OUT} of each class (at least 1) held out,
     * at most {@code trainPerClass} of each class's rest to train on.
     *
     * @throws IllegalArgumentException naming the class when one has fewer than 2 examples (nothing to hold out)
     */
    public static Split split(List<Example> data, int trainPerClass, long seed) {
        if (trainPerClass < 1) {
            throw new IllegalArgumentException("the fine-tuning probe needs at least 1 training example per class, got " + trainPerClass);
        }
        Map<String, List<Example>> by = new TreeMap<>();
        data.forEach(e -> by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e));
        if (by.size() < 2) {
            throw new IllegalArgumentException("the fine-tuning probe needs at least 2 classes, got " + by.keySet());
        }
        Random r = new Random(seed ^ 0xF1E7L);
        List<Example> train = new ArrayList<>();
        List<Example> heldOut = new ArrayList<>();
        for (Map.Entry<String, List<Example>> e : by.entrySet()) {
            if (e.getValue().size() < 2) {
                throw new IllegalArgumentException("the fine-tuning probe needs at least 2 examples of each class (one to train on, one "
                        + "to hold out); class '" + e.getKey() + "' has " + e.getValue().size() + ": run with --no-probe or add examples");
            }
            List<Example> copy = new ArrayList<>(e.getValue());
            Collections.shuffle(copy, r);
            int h = Math.max(1, (int) Math.round(copy.size() * HELD_OUT));
            heldOut.addAll(copy.subList(0, h));
            train.addAll(copy.subList(h, Math.min(copy.size(), h + trainPerClass)));
        }
        return new Split(train, heldOut);
    }

    /**
     * Best first: most held-out examples right, then the higher macro F1, then the cheaper run; all
     * scores must be on the same held-out examples.
     */
    public static List<Score> rank(List<Score> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("no probe scores to rank");
        }
        int n = scores.get(0).correct.length;
        for (Score s : scores) {
            if (s.correct.length != n) {
                throw new IllegalArgumentException("probe scores on different held-out sets: '" + scores.get(0).backbone().name() + "' on "
                        + n + " examples, '" + s.backbone().name() + "' on " + s.correct.length);
            }
        }
        List<Score> out = new ArrayList<>(scores);
        out.sort(Comparator.comparingInt(Score::right).reversed().thenComparing(Comparator.comparingDouble(Score::macroF1).reversed())
                .thenComparingDouble(Score::cpuSeconds));
        return List.copyOf(out);
    }

    /**
     * How the first of {@code ranked} compares with the second on the same held-out examples: the
     * examples only the first got right, those only the second got right, and whether the lead is clear:
     * more than 1.96 standard deviations of that difference under a tie (McNemar's test, normal
     * approximation, two-sided 5 %).
     */
    public record Lead(int onlyFirst, int onlySecond) {
        public boolean clear() {
            int d = onlyFirst - onlySecond;
            return d > 0 && d > 1.96 * Math.sqrt(onlyFirst + onlySecond);
        }
    }

    static Lead lead(Score first, Score second) {
        int a = 0;
        int b = 0;
        boolean[] x = first.correct;
        boolean[] y = second.correct;
        for (int i = 0; i < x.length; i++) {
            a += x[i] && !y[i] ? 1 : 0;
            b += y[i] && !x[i] ? 1 : 0;
        }
        return new Lead(a, b);
    }

    /**
     * {@code r} with the probe's scores (its first candidate becomes {@link Recommendation#best()} when the
     * suggestion is fine-tuning) and an explanation that says the pick rests on the probe, with its
     * figures. Another suggestion keeps LogME's pick and names the probe's for a fine-tuning run.
     */
    public static Recommendation apply(Recommendation r, List<Score> ranked, int trainExamples, int epochs) {
        ranked = rank(ranked);
        Score top = ranked.get(0);
        int n = top.correct.length;
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "Fine-tuning probe: each candidate fine-tuned for %d epochs on "
                + "%d examples of your data and scored on %d others it did not train on: ", epochs, trainExamples, n));
        for (int i = 0; i < ranked.size(); i++) {
            Score s = ranked.get(i);
            why.append(String.format(Locale.ROOT, "%s'%s' %d right (%.3f)", i == 0 ? "" : ", ", s.backbone().name(), s.right(),
                    s.accuracy()));
        }
        why.append(". ");
        if (ranked.size() > 1) {
            Lead l = lead(top, ranked.get(1));
            why.append(String.format(Locale.ROOT, "'%s' was right on %d held-out examples '%s' got wrong, and wrong on %d it got right",
                    top.backbone().name(), l.onlyFirst(), ranked.get(1).backbone().name(), l.onlySecond()));
            why.append(l.clear() ? ": a clear lead in the probe (McNemar's test, 5 %), which a full fine-tuning can narrow. "
                    : ": within the probe's noise (McNemar's test, 5 %), so the two are about equal on this data and either is a sound "
                    + "choice; the order above stands. ");
        }
        boolean fineTunes = r.strategy().equals("fine-tuning");
        ComponentRef pick = top.backbone();
        if (r.ranked().stream().noneMatch(c -> c.backbone().equals(pick))) {
            throw new IllegalArgumentException("the probe's pick '" + pick.name() + "' is not a ranked candidate");
        }
        if (fineTunes) {
            why.append("The backbone to fine-tune is the probe's first, '").append(pick.name())
                    .append("', not LogME's: LogME ranks frozen features, not fine-tuned ones (on the project's archive task "
                            + "LogME's first, bge-small-en-v1.5, fine-tuned with fit's defaults scored 0.722 and 0.698 test accuracy on two "
                            + "seeds, the probe's first, all-minilm-l6-v2, 0.728 and 0.745; docs/transfer-text.md). ");
        } else {
            why.append("The suggestion is ").append(r.strategy()).append(", not fine-tuning, so it keeps LogME's pick; to fine-tune "
                    + "instead, take '").append(pick.name()).append("'. ");
        }
        why.append("LogME's ranking: ").append(r.explanation());
        return new Recommendation(r.ranked(), r.examples(), r.classes(), r.minPerClass(), r.strategy(), r.strategyOptions(),
                why.toString(), ranked);
    }
}
