package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.model.TrainedModel;
import dev.graft.engine.spi.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code graft export}: a saved model as a TensorFlow SavedModel for TensorFlow Serving, taking only
 * what a client has and returning probabilities ({@link ServingExport}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a saved model as a TensorFlow SavedModel (tag 'serve') for TensorFlow Serving.")
final class ExportCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "model directory written by 'graft fit'")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "SavedModel directory to create (TensorFlow Serving wants <base>/<version>, e.g. serving/mymodel/1)")
    Path output;

    @Mixin
    Args.EngineOption engine;

    @Override
    public Integer call() throws Exception {
        Graft g = parent.graft();
        Args.modelDir(model);
        String engineId = Args.engine(g, engine.engine);
        if (Files.exists(output)) {
            boolean empty;
            try (var s = Files.list(output)) {
                empty = s.findAny().isEmpty();
            } catch (java.nio.file.NotDirectoryException e) {
                empty = false;
            }
            if (!empty) {
                throw new UsageException("export target " + output + " exists and is not empty");
            }
        }
        TrainedModel m = TrainedModel.load(model);
        if (!m.members().isEmpty()) {
            throw new UsageException(model + " is a soft-voting ensemble of " + m.members().size() + " models, which graft export "
                    + "cannot write as one TensorFlow SavedModel (each member has its own network and input encoding): serve it "
                    + "with 'graft serve', or export each member (" + model.resolve("members") + "/...) and average their "
                    + "probabilities with the ensemble's weights (" + model.resolve("ensemble.json") + ")");
        }
        // ask the providers, not created engines: creating one would load its native runtime
        // into this process beside the chosen one
        var providers = g.engines().providers();
        if (providers.containsKey(engineId)
                && !providers.get(engineId).capabilities().contains(Engine.Capability.SAVED_MODEL_EXPORT)) {
            List<String> able = providers.values().stream()
                    .filter(p -> p.capabilities().contains(Engine.Capability.SAVED_MODEL_EXPORT))
                    .map(dev.graft.engine.spi.EngineProvider::id).toList();
            throw new UsageException("engine '" + engineId + "' cannot export TensorFlow SavedModels; engines that can: " + able);
        }
        Engine e = g.engines().get(engineId);
        ServingExport.Exported x = ServingExport.export(g, e, m, model, output);
        parent.out().println("exported " + model + " to " + output.toAbsolutePath() + " (tag 'serve', signature 'serving_default'; inputs: "
                + String.join(", ", x.inputs()) + "; outputs: " + String.join(", ", x.outputs()) + "; assets: "
                + String.join(", ", x.assets()) + ")");
        return 0;
    }
}
