package dev.graft.crossengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Trains in one child JVM, serves in another, and checks that the two agree. */
final class CrossEngine {
    /** Largest allowed difference of a probability or a logit between the engines. */
    static final double TOLERANCE = 1e-4;
    static final List<String> ENGINES = List.of("pytorch", "tensorflow");

    /** A model saved by a training child, with the training engine's own predictions on the test set. */
    record Trained(String engine, Path modelDir, RunReport reference) {
    }

    private CrossEngine() {
    }

    static String other(String engine) {
        return engine.equals("tensorflow") ? "pytorch" : "tensorflow";
    }

    /** Trains {@code kind} in a child JVM started with {@code jvm} (which chooses the engine). */
    static Trained train(Models.Kind kind, String engine, ChildJvm jvm, Path work, Path trainData, Path testData)
            throws IOException, InterruptedException {
        String name = kind.name() + "-trained-on-" + engine;
        Path modelDir = work.resolve(name);
        Path report = work.resolve(name + ".json");
        ChildJvm.Result r = jvm.run(work.resolve("logs"), name, TrainMain.class, kind.name(), trainData.toString(),
                testData.toString(), modelDir.toString(), report.toString(), work.resolve("feature-cache").toString());
        assertThat(r.exitCode()).as("training child on " + engine + ": " + r.describe()).isZero();
        RunReport ref = RunReport.read(report);
        System.out.println(r.stdout().strip());
        assertRanAlone(ref, engine, name);
        assertThat(ref.trainedWith()).as("manifest of " + name).isEqualTo(engine);
        return new Trained(engine, modelDir, ref);
    }

    /** Serves a trained model in a child JVM started with {@code jvm}; extra arguments go to {@link PredictMain}. */
    static RunReport serve(Models.Kind kind, Trained t, String engine, ChildJvm jvm, Path work, Path testData, String how,
            String... extra) throws IOException, InterruptedException {
        String name = kind.name() + "-" + t.engine() + "-served-on-" + engine + "-by-" + how;
        Path report = work.resolve(name + ".json");
        String[] args = new String[4 + extra.length];
        args[0] = kind.name();
        args[1] = t.modelDir().toString();
        args[2] = testData.toString();
        args[3] = report.toString();
        System.arraycopy(extra, 0, args, 4, extra.length);
        ChildJvm.Result r = jvm.run(work.resolve("logs"), name, PredictMain.class, args);
        assertThat(r.exitCode()).as("serving child on " + engine + ": " + r.describe()).isZero();
        RunReport served = RunReport.read(report);
        assertThat(served.engine()).as(name + ": engine").isEqualTo(engine);
        if (!how.equals("guice")) {
            assertThat(served.providers()).as(name + ": engine providers found on the class path").containsAll(ENGINES);
        }
        assertOnlyEngine(served, engine, name);
        assertThat(served.trainedWith()).isEqualTo(t.engine());
        return served;
    }

    /**
     * The process ran on {@code engine} only: both providers were discovered, only this engine was
     * created, and only its native libraries were mapped.
     */
    static void assertRanAlone(RunReport r, String engine, String what) {
        assertThat(r.engine()).as(what + ": engine").isEqualTo(engine);
        assertThat(r.providers()).as(what + ": engine providers found on the class path").containsAll(ENGINES);
        assertOnlyEngine(r, engine, what);
    }

    static void assertOnlyEngine(RunReport r, String engine, String what) {
        assertThat(r.created()).as(what + ": engines created (engine libraries mapped: " + r.nativeLibraries() + ")").isEqualTo(Map.of(engine, true, other(engine), false));
        assertThat(r.nativeLibraries()).as(what + ": engine libraries mapped").isNotEmpty()
                .allSatisfy(lib -> assertThat(ProcessFacts.ownerOf(lib)).as(lib).isEqualTo(engine));
    }

    /** Same sources, identical top-1 labels, probabilities and logits within {@link #TOLERANCE}. */
    static void assertSamePredictions(RunReport reference, RunReport served) {
        List<RunReport.Row> a = reference.rows();
        List<RunReport.Row> b = served.rows();
        assertThat(b).hasSameSizeAs(a);
        double maxProb = 0;
        double maxLogit = 0;
        for (int i = 0; i < a.size(); i++) {
            RunReport.Row x = a.get(i);
            RunReport.Row y = b.get(i);
            assertThat(y.source()).isEqualTo(x.source());
            assertThat(y.label()).as("top-1 label of " + x.source() + " on " + served.engine() + " vs " + reference.engine())
                    .isEqualTo(x.label());
            maxProb = Math.max(maxProb, maxAbsDiff(x.probabilities(), y.probabilities(), x.source()));
            if (y.logits() != null) {
                maxLogit = Math.max(maxLogit, maxAbsDiff(x.logits(), y.logits(), x.source()));
            }
        }
        boolean logits = b.stream().allMatch(r -> r.logits() != null);
        System.out.printf("%s -> %s: %d test examples, largest difference %.3g (probabilities), %s (logits)%n",
                reference.engine(), served.engine(), a.size(), maxProb, logits ? String.format("%.3g", maxLogit) : "not compared");
        assertThat(maxProb).as("largest probability difference").isLessThanOrEqualTo(TOLERANCE);
        assertThat(maxLogit).as("largest logit difference").isLessThanOrEqualTo(TOLERANCE);
    }

    private static double maxAbsDiff(float[] x, float[] y, String source) {
        assertThat(y).as(source).hasSameSizeAs(x);
        double m = 0;
        for (int j = 0; j < x.length; j++) {
            assertThat(Float.isFinite(x[j]) && Float.isFinite(y[j])).as(source + " finite").isTrue();
            m = Math.max(m, Math.abs((double) x[j] - y[j]));
        }
        return m;
    }

    /** Share of test examples whose top-1 label is the true one. */
    static double accuracy(RunReport r) {
        return r.rows().stream().filter(x -> x.label().equals(x.expected())).count() / (double) r.rows().size();
    }
}
