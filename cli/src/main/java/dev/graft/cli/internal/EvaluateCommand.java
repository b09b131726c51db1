package dev.graft.cli.internal;

import dev.graft.core.Graft;
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

/** {@code graft evaluate}: a saved model on labelled data: accuracy, macro F1, confusion matrix. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a saved classification model on labelled data: accuracy, macro F1, confusion matrix, per-class precision and recall.")
final class EvaluateCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "model directory written by 'graft fit'")
    Path model;

    @Mixin
    Args.Data data;

    @Mixin
    Args.EngineOption engine;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        Args.modelDir(model);
        String engineId = Args.engine(g, engine.engine);
        TrainedModel m = TrainedModel.load(model);
        if (m.labels().task() != Task.CLASSIFICATION) {
            throw new UsageException("evaluate supports classification models; " + model + " is " + m.labels().task());
        }
        List<Example> examples = data.read(g);
        parent.err().println("evaluating " + model + " on " + examples.size() + " examples from " + data.path + "...");
        Scores s = Runs.evaluate(g, m, engineId, examples);
        s.print(parent.out());
        return 0;
    }
}
