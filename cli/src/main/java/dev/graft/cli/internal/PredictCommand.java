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

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        Args.modelDir(model);
        String engineId = Args.engine(g, engine.engine);
        TrainedModel m = TrainedModel.load(model);
        boolean text = m.preprocessing().kind().equals("text");
        List<Example> examples = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        if (inputs.isEmpty()) {
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int line = 0;
            for (String s; (s = r.readLine()) != null;) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                examples.add(text ? new Example("stdin:" + line, s, null) : new Example(s, file(s), null));
                shown.add(text ? s : null);
            }
        } else {
            int i = 0;
            for (String s : inputs) {
                i++;
                if (files || !text) {
                    Path p = file(s);
                    examples.add(text ? new Example(s, nonEmpty(Files.readString(p, StandardCharsets.UTF_8), s), null)
                            : new Example(s, p, null));
                    shown.add(null);
                } else {
                    examples.add(new Example("arg:" + i, nonEmpty(s, "arg:" + i), null));
                    shown.add(s);
                }
            }
        }
        if (examples.isEmpty()) {
            throw new UsageException("nothing to predict: give inputs as arguments or on stdin");
        }
        PrintStream out = parent.out();
        try (Predictor p = Predictor.open(m, g.engines().get(engineId), g.backbones())) {
            List<Prediction> preds = p.predict(examples);
            for (int k = 0; k < preds.size(); k++) {
                out.println(Json.line(preds.get(k), shown.get(k)));
            }
        }
        out.flush();
        return 0;
    }

    /** Empty texts are refused, as 'graft fit' refuses them in training data. */
    private static String nonEmpty(String text, String source) {
        if (text.isBlank()) {
            throw new UsageException(source + ": empty text; there is nothing to predict from");
        }
        return text;
    }

    private static Path file(String s) {
        return Args.readable(Path.of(s), "input file");
    }
}
