package dev.graft.crossengine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-layer BERT (Google's uncased WordPiece vocabulary) fine-tuned on a CSV of English sentences,
 * trained on one engine, saved and served by the other, also through the {@code graft predict}
 * command with {@code --engine}. Every engine runs in a JVM of its own.
 */
class TextCrossEngineTest {
    @TempDir
    static Path work;
    static final Path TRAIN = resource("text/train.csv");
    static final Path TEST = resource("text/test.csv");
    private static final Map<String, CrossEngine.Trained> TRAINED = new HashMap<>();

    static Path resource(String name) {
        try {
            return Path.of(TextCrossEngineTest.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trained once per engine (TensorFlow chosen by the environment, PyTorch by the system property). */
    static synchronized CrossEngine.Trained trainedOn(String engine) throws Exception {
        CrossEngine.Trained t = TRAINED.get(engine);
        if (t == null) {
            ChildJvm jvm = engine.equals("tensorflow") ? new ChildJvm().env("GRAFT_ENGINE", engine)
                    : new ChildJvm().property("graft.engine", engine);
            t = CrossEngine.train(Models.TEXT, engine, jvm, work, TRAIN, TEST);
            System.out.printf("bert-tiny trained on %s: test accuracy %.2f%n", engine, CrossEngine.accuracy(t.reference()));
            assertThat(CrossEngine.accuracy(t.reference())).as("test accuracy of the model trained on " + engine)
                    .isGreaterThan(0.5);
            TRAINED.put(engine, t);
        }
        return t;
    }

    @Test
    void bertTrainedOnTensorFlowPredictsTheSameOnPyTorchChosenByEnvironment() throws Exception {
        CrossEngine.Trained t = trainedOn("tensorflow");
        RunReport served = CrossEngine.serve(Models.TEXT, t, "pytorch", new ChildJvm().env("GRAFT_ENGINE", "pytorch"),
                work, TEST, "environment");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }

    @Test
    void bertTrainedOnPyTorchPredictsTheSameOnTensorFlowChosenBySystemProperty() throws Exception {
        CrossEngine.Trained t = trainedOn("pytorch");
        RunReport served = CrossEngine.serve(Models.TEXT, t, "tensorflow", new ChildJvm().property("graft.engine", "tensorflow"),
                work, TEST, "property");
        CrossEngine.assertSamePredictions(t.reference(), served);
    }

    /** {@code graft predict --engine tensorflow} wins over {@code GRAFT_ENGINE=pytorch} in the same process. */
    @Test
    void cliEngineFlagServesThePyTorchTrainedBertOnTensorFlow() throws Exception {
        CrossEngine.Trained t = trainedOn("pytorch");
        List<String> args = new ArrayList<>(List.of(work.resolve("cli-facts.json").toString(), "predict", "-m",
                t.modelDir().toString(), "--engine", "tensorflow"));
        List<String> texts = new ArrayList<>();
        for (RunReport.Row r : t.reference().rows()) {
            texts.add(text(r.source()));
        }
        args.addAll(texts);
        ChildJvm.Result r = new ChildJvm().env("GRAFT_ENGINE", "pytorch").run(work.resolve("logs"), "text-cli-tensorflow",
                CliMain.class, args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        RunReport facts = RunReport.read(work.resolve("cli-facts.json"));
        CrossEngine.assertOnlyEngine(facts, "tensorflow", "graft predict --engine tensorflow");
        List<String> lines = r.stdout().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSameSizeAs(texts);
        List<String> labels = TrainedLabels.of(t.modelDir());
        List<RunReport.Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            assertThat(o.get("input").getAsString()).isEqualTo(texts.get(i));
            JsonObject scores = o.getAsJsonObject("scores");
            float[] p = new float[labels.size()];
            for (int j = 0; j < p.length; j++) {
                p[j] = scores.get(labels.get(j)).getAsFloat();
            }
            RunReport.Row ref = t.reference().rows().get(i);
            rows.add(new RunReport.Row(ref.source(), ref.expected(), o.get("label").getAsString(), p, null));
        }
        CrossEngine.assertSamePredictions(t.reference(),
                new RunReport("tensorflow", null, List.of(), facts.created(), facts.nativeLibraries(), "pytorch", rows));
    }

    /**
     * The PyTorch engine cannot export SavedModels, so {@code graft export --engine pytorch}
     * refuses with a usage error (exit code 2) naming the engines that can, found from the
     * providers' capabilities without creating (and loading the native runtime of) another engine.
     */
    @Test
    void exportOnAnEngineThatCannotExportIsAUsageErrorNotACrash() throws Exception {
        CrossEngine.Trained t = trainedOn("pytorch");
        ChildJvm.Result r = new ChildJvm().run(work.resolve("logs"), "text-export-pytorch", CliMain.class,
                work.resolve("export-facts.json").toString(), "export", "-m", t.modelDir().toString(), "-o",
                work.resolve("exported").toString(), "--engine", "pytorch");
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(2);
        assertThat(r.stderr()).contains("cannot export TensorFlow SavedModels");
        RunReport facts = RunReport.read(work.resolve("export-facts.json"));
        assertThat(facts.created()).as("engines created by a refused export").isEqualTo(Map.of("pytorch", false, "tensorflow", false));
        assertThat(facts.nativeLibraries()).as("engine libraries mapped by a refused export").isEmpty();
    }

    /** The text of a CSV source {@code path:line} (one physical line per record in these files). */
    private static String text(String source) throws Exception {
        int colon = source.lastIndexOf(':');
        int line = Integer.parseInt(source.substring(colon + 1));
        String csv = java.nio.file.Files.readAllLines(Path.of(source.substring(0, colon))).get(line - 1);
        int comma = csv.lastIndexOf(',');
        String t = csv.substring(0, comma);
        return t.startsWith("\"") ? t.substring(1, t.length() - 1).replace("\"\"", "\"") : t;
    }
}
