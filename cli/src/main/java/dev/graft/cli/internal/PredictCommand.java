package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code graft predict}: JSON lines out, one per input. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a saved model; one JSON line per input on stdout.",
                "Inputs: text arguments (text models), files (--files; images, or one text per file), or, with no input "
                        + "arguments, one input per stdin line (a text, or a file path for image models)."})
final class PredictCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "model directory written by 'graft fit'")
    Path model;

    @Option(names = "--files", description = "the arguments are files (for text models, each file's content is one text)")
    boolean files;

    @Parameters(paramLabel = "INPUT", arity = "0..*", description = "texts, or files with --files (image models always take files)")
    List<String> inputs = new ArrayList<>();

    @Mixin
    Args.EngineOption engine;

    @Option(names = "--bad-images", defaultValue = "fail", paramLabel = "POLICY",
            description = {"fail (default): check every input first and predict nothing if one is bad (missing, unreadable, "
                    + "not an image, empty text), listing each bad one on its own line; exit code 2.",
                    "skip: answer every good input and print one error line ({\"source\":...,\"error\":...}) in place of each "
                            + "bad one; exit code 1 if any was bad."})
    String badImages;

    /** One input: the example to predict, or why it cannot be. */
    private record Item(String source, Example example, String shown, String error) {
        Item failed(String why) {
            return new Item(source, null, shown, why);
        }
    }

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        Args.modelDir(model);
        boolean skip = Args.skipBad(badImages);
        String engineId = Args.engine(g, engine.engine);
        TrainedModel m = TrainedModel.load(model);
        boolean text = m.preprocessing().kind().equals("text");
        List<Item> items = new ArrayList<>();
        if (inputs.isEmpty()) {
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int line = 0;
            for (String s; (s = r.readLine()) != null;) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                items.add(text ? new Item("stdin:" + line, new Example("stdin:" + line, s, null), s, null) : file(s, false));
            }
        } else {
            int i = 0;
            for (String s : inputs) {
                i++;
                if (files || !text) {
                    items.add(file(s, text));
                } else {
                    String src = "arg:" + i;
                    items.add(s.isBlank() ? new Item(src, null, s, "empty text; there is nothing to predict from")
                            : new Item(src, new Example(src, s, null), s, null));
                }
            }
        }
        if (items.isEmpty()) {
            throw new UsageException("nothing to predict: give inputs as arguments or on stdin");
        }
        PrintStream out = parent.out();
        List<Object> answers;
        try (Predictor p = Runs.openPredictor(g, m, engineId, items.size())) {
            answers = predict(p, items);
        }
        List<String> bad = new ArrayList<>();
        for (int k = 0; k < items.size(); k++) {
            if (answers.get(k) instanceof String why) {
                bad.add(items.get(k).source() + ": " + why);
            }
        }
        if (!skip && !bad.isEmpty()) {
            throw new UsageException(bad.size() + " of " + items.size() + " input(s) cannot be predicted (--bad-images fail; "
                    + "skip answers the others):\n  " + String.join("\n  ", bad));
        }
        for (int k = 0; k < items.size(); k++) {
            Object a = answers.get(k);
            out.println(a instanceof Prediction pr ? Json.line(pr, items.get(k).shown())
                    : "{\"source\":" + Json.str(items.get(k).source()) + ",\"error\":" + Json.str((String) a) + "}");
        }
        out.flush();
        if (!bad.isEmpty()) {
            parent.err().println(bad.size() + " of " + items.size() + " input(s) could not be predicted:");
            bad.forEach(b -> parent.err().println("  " + b));
            return 1;
        }
        return 0;
    }

    /**
     * A Prediction or the reason (a String) for each item, in order. Runs the good ones as one batch;
     * if the batch fails (an image that does not decode), runs them one by one so that only the bad
     * ones fail.
     */
    private static List<Object> predict(Predictor p, List<Item> items) {
        List<Object> out = new ArrayList<>();
        List<Example> good = new ArrayList<>();
        for (Item it : items) {
            out.add(it.error());
            if (it.error() == null) {
                good.add(it.example());
            }
        }
        List<Object> results = new ArrayList<>();
        try {
            results.addAll(p.predict(good));
        } catch (RuntimeException batch) {
            for (Example e : good) {
                try {
                    results.add(p.predict(List.of(e)).get(0));
                } catch (RuntimeException one) {
                    String why = reason(one);
                    results.add(why.startsWith(e.source() + ": ") ? why.substring(e.source().length() + 2) : why);
                }
            }
        }
        int j = 0;
        for (int k = 0; k < out.size(); k++) {
            if (out.get(k) == null) {
                out.set(k, results.get(j++));
            }
        }
        return out;
    }

    private static String reason(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** A file input: an image path (checked when predicted) or, for text models, the file's text. */
    private static Item file(String s, boolean text) {
        Path p = Path.of(s);
        Item it = new Item(s, null, null, null);
        if (!Files.exists(p)) {
            return it.failed("no such file");
        }
        if (!Files.isReadable(p)) {
            return it.failed("permission denied");
        }
        if (!text) {
            return new Item(s, new Example(s, p, null), null, null);
        }
        try {
            String content = Files.readString(p, StandardCharsets.UTF_8);
            return content.isBlank() ? it.failed("empty text; there is nothing to predict from")
                    : new Item(s, new Example(s, content, null), null, null);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return it.failed("cannot read: " + reason(e));
        }
    }
}
