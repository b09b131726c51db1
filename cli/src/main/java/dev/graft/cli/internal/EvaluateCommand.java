package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.evaluation.Evaluation;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code graft evaluate}: a saved model on labelled data, scored by core's evaluation API: accuracy, macro F1,
 * log loss, confusion matrix and per-class precision, recall and F1 (classification); subset accuracy,
 * Hamming loss, micro and macro F1 (multi-label); MSE, MAE and R^2 (regression). {@code --json} prints one
 * JSON object instead.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a saved model on labelled data: accuracy, macro F1, log loss, confusion matrix, per-class precision, recall and F1 (multi-label and regression models get their own figures).")
final class EvaluateCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "model directory written by 'graft fit'")
    Path model;

    @Mixin
    Args.Data data;

    @Mixin
    Args.EngineOption engine;

    @Option(names = "--json", description = "print every figure and the confusion matrix as one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        Args.modelDir(model);
        String engineId = Args.engine(g, engine.engine);
        TrainedModel m = TrainedModel.load(model);
        List<Example> examples = data.read(g);
        data.listSkipped(parent.err());
        parent.err().println("evaluating " + model + " on " + examples.size() + " examples from " + data.path + data.skippedNote()
                + "...");
        List<Prediction> predictions = Runs.predict(g, m, engineId, examples);
        List<String> labels = m.labels().labels();
        if (!json && !data.skipped.isEmpty()) {
            parent.out().println("examples: " + examples.size() + " (" + data.skipped.size() + " bad file(s) skipped, listed on stderr)");
        }
        if (m.labels().task() == Task.CLASSIFICATION) {
            var s = Evaluation.classification(labels, examples, predictions);
            if (json) {
                parent.out().println(Scores.json(s));
            } else {
                Scores.print(s, parent.out());
            }
        } else if (m.labels().task() == Task.MULTI_LABEL) {
            var s = Evaluation.multiLabel(labels, examples, predictions);
            if (json) {
                parent.out().println(Scores.json(s));
            } else {
                Scores.print(s, parent.out());
            }
        } else {
            var s = Evaluation.regression(labels, examples, predictions);
            if (json) {
                parent.out().println(Scores.json(s));
            } else {
                Scores.print(s, parent.out());
            }
        }
        return 0;
    }
}
