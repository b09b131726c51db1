package dev.graft.vision.demo;

import java.util.Locale;

/** Writes docs/transfer-demo.md from a demo outcome. */
final class TransferDemoDoc {
    private TransferDemoDoc() {
    }

    static String markdown(TransferDemo.Outcome o, String summary) {
        TransferDemo.Settings s = o.settings();
        return "# Transfer learning demo: letters to digits, nothing downloaded\n\n"
                + "Run it with\n\n```\nvision-plugin/run-demo.sh --doc docs/transfer-demo.md\n```\n\n"
                + "(`--quick` runs the same program at toy sizes in seconds; the test `TransferDemoTest` does that.)\n\n"
                + "## What it does\n\n"
                + "1. **Source task, generated here.** Images of the 26 upper-case letters are rendered with the fonts installed "
                + "on the machine (java.awt, headless): random font family and style, size, rotation (±15°), offset, colours and "
                + "pixel noise. A ResNet-18 is trained on them from random initialisation through the normal Graft pipeline "
                + "(`fine-tuning` with the backbone at the head's learning rate and BatchNorm in training mode).\n"
                + "2. Its backbone weights are written as a safetensors file with Graft's parameter names and "
                + "`graft.preprocessing=torch`, and imported again by the vision plugin's weight importer (`weights=` option), "
                + "exactly as a user's pretrained file would be.\n"
                + "3. **Target task.** The 10 digits (a disjoint label set the backbone never saw), with only "
                + s.targetPerClass() + " labelled images per class, evaluated on " + s.testPerClass()
                + " further images per class. The same network is trained four ways with the same head, optimiser, schedule, "
                + "epochs and seed.\n\n"
                + "## Reduced sizes (to run in minutes on 2 CPU cores)\n\n"
                + String.format(Locale.ROOT, "- ResNet-18 with the published depth (2-2-2-2 basic blocks) but base width %d instead of 64 "
                        + "(features of %d instead of 512), at %dx%d pixels instead of 224x224.%n", s.width(), s.width() * 8, s.size(), s.size())
                + String.format(Locale.ROOT, "- Source: %d training images (%d per letter), %d epochs; target: %d epochs, batch %d, "
                        + "Adam, head learning rate %.0e, cosine schedule, seed %d.%n", o.sourceTrain(), s.sourcePerClass(),
                        s.sourceEpochs(), s.targetEpochs(), Math.min(s.batch(), 16), s.lr(), s.seed())
                + "- Augmentation: random resized crop (area 0.6 to 1), no flips (letters and digits are not mirror-symmetric).\n\n"
                + "## Results\n\n```\n" + summary + "```\n\n" + TransferDemo.table(o) + "\n"
                + "Engine: " + o.engine() + ". Wall time covers the whole pipeline run of each target model (setup, feature "
                + "computation, training, evaluation) on this machine's 2 cores, shared with other jobs, so it is indicative. "
                + "Feature extraction runs the frozen backbone once per image and caches the features; later epochs train only "
                + "the head. The trainable-parameter column counts the head too.\n\n"
                + "## The plans, as Graft explained them\n\n"
                + o.rows().stream().map(r -> "### " + r.run() + "\n\n```\n" + r.plan() + "\n```\n").reduce("", String::concat);
    }
}
