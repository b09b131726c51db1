package dev.graft.core.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows progress: on a terminal ({@code System.console() != null}) a bar redrawn in place with
 * examples/s and time left; elsewhere (logs, CI) one plain line per epoch.
 */
public final class ProgressListener implements TrainingListener {
    private final PrintStream out;
    private final boolean terminal;
    private final java.util.function.LongSupplier clock;
    private long startNanos;
    private long lastDraw;
    /** Examples trained in the current epoch, and when its first step began (the end of the previous epoch). */
    private long examples;
    private long epochStartNanos;
    private long lastStepNanos;
    private long totalSteps;
    private long firstStep = -1;
    private long featuresStart;
    private long featuresLine;

    public ProgressListener(PrintStream out, boolean terminal) {
        this(out, terminal, System::nanoTime);
    }

    /** With the clock given (nanoseconds), so rates can be checked exactly. */
    ProgressListener(PrintStream out, boolean terminal, java.util.function.LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    /** Progress on standard error, as a bar when a terminal is attached. */
    public static ProgressListener auto() {
        return new ProgressListener(System.err, System.console() != null);
    }

    /**
     * The backbone's feature pass: on a terminal the same bar as training steps (examples/s, time
     * left); elsewhere a line at the start, one at most every 10 seconds, and one at the end.
     */
    @Override
    public void onFeatures(int done, int total) {
        long now = clock.getAsLong();
        if (done == 0) {
            featuresStart = now;
            featuresLine = now;
            lastDraw = 0;
            if (!terminal) {
                out.printf(Locale.ROOT, "features: computing %d examples with the backbone (the rest from the feature cache)%n",
                        total);
            }
            return;
        }
        double secs = Math.max(1e-9, (now - featuresStart) / 1e9);
        double rate = done / secs;
        String eta = formatSeconds((total - done) / Math.max(rate, 1e-9));
        if (terminal) {
            if (now - lastDraw < 100_000_000L && done != total) {
                return;
            }
            lastDraw = now;
            int width = 30;
            int filled = (int) Math.round(width * (double) done / total);
            out.printf(Locale.ROOT, "\r\033[Kfeatures [%s%s] %d/%d  %.1f ex/s  %s left", "=".repeat(filled),
                    " ".repeat(width - filled), done, total, rate, eta);
            if (done == total) {
                out.print("\r\033[K");
            }
            out.flush();
        } else if (done != total && now - featuresLine >= 10_000_000_000L) {
            featuresLine = now;
            out.printf(Locale.ROOT, "features: %d/%d (%.1f ex/s, %s left)%n", done, total, rate, eta);
        }
        if (done == total) {
            out.printf(Locale.ROOT, "features: %d computed in %.1fs (%.1f ex/s)%n", total, secs, rate);
        }
    }

    @Override
    public void onStart(int epochs, int stepsPerEpoch, long total, int trainExamples, String plan) {
        startNanos = clock.getAsLong();
        epochStartNanos = startNanos;
        examples = 0;
        firstStep = -1;
        totalSteps = total;
        out.printf(Locale.ROOT, "training: %d epochs x %d steps (%d examples)%n", epochs, stepsPerEpoch, trainExamples);
    }

    @Override
    public void onResume(java.nio.file.Path checkpoint, int epoch, int stepInEpoch, long step) {
        out.printf(Locale.ROOT, "resumed from %s: epoch %d, after step %d of it (optimizer step %d)%n", checkpoint, epoch + 1,
                stepInEpoch, step);
    }

    @Override
    public void onPhase(int epoch, String description, long trainable) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.printf(Locale.ROOT, "epoch %d: %s (%,d trainable parameters)%n", epoch + 1, description, trainable);
    }

    @Override
    public void onStep(StepEvent e) {
        if (firstStep < 0) {
            firstStep = e.globalStep() - 1;
        }
        examples += e.examples();
        long now = clock.getAsLong();
        lastStepNanos = now;
        if (!terminal) {
            return;
        }
        if (now - lastDraw < 100_000_000L && e.stepInEpoch() != e.stepsPerEpoch()) {
            return;
        }
        lastDraw = now;
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = examples / Math.max(1e-9, (now - epochStartNanos) / 1e9);
        long done = e.globalStep() - firstStep;
        long left = e.totalSteps() - e.globalStep();
        double eta = done > 0 ? left * secs / done : 0;
        int width = 30;
        int filled = (int) Math.round(width * (double) e.stepInEpoch() / e.stepsPerEpoch());
        out.printf(Locale.ROOT, "\r\033[Kepoch %d [%s%s] %d/%d loss %.4f  %.1f ex/s  %s left", e.epoch() + 1,
                "=".repeat(filled), " ".repeat(width - filled), e.stepInEpoch(), e.stepsPerEpoch(), e.loss(), rate,
                formatSeconds(eta));
        out.flush();
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        if (terminal) {
            out.print("\r\033[K");
        }
        // this epoch's training throughput: its examples over the time of its steps (validation excluded)
        double secs = Math.max(1e-9, (lastStepNanos - epochStartNanos) / 1e9);
        out.printf(Locale.ROOT, "epoch %d: train loss %.4f%s (%.1fs, %.1f ex/s)%n", m.epoch() + 1, m.trainLoss(),
                m.validation() == null ? "" : "; validation " + m.validation(), m.seconds(), examples / secs);
        examples = 0;
        epochStartNanos = clock.getAsLong();
    }

    @Override
    public void onEnd(TrainingHistory h) {
        out.println("stopped: " + h.summary());
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }
}
