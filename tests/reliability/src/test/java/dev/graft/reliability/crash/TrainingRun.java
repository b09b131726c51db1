package dev.graft.reliability.crash;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.pipeline.Pipeline;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.core.train.TrainingListener;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.reliability.support.Clusters;
import dev.graft.reliability.support.MlpBackbone;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One training run through the core pipeline on the default (TensorFlow) engine: fine-tuning a
 * small MLP backbone with an MLP head (dropout), Adam, cosine schedule, checkpoints every N steps,
 * resuming from the checkpoint directory if a checkpoint is there. Prints {@code checkpoint <step>}
 * after each checkpoint and writes the final weights to a safetensors file.
 *
 * <p>Usage: {@code TrainingRun <checkpointDir> <finalWeights.safetensors> <epochs> <checkpointEvery>}
 */
public final class TrainingRun {
    private TrainingRun() {
    }

    public static Pipeline pipeline(Path checkpointDir, int epochs, int every) {
        TrainerConfig tc = TrainerConfig.defaults().withEpochs(epochs).withBatchSize(16).withLearningRate(0.005)
                .withSchedule("cosine").withSeed(11).withCheckpoints(checkpointDir, every).withResume(true);
        return Graft.create().pipeline().data(Clusters.of(3, 100, 8, 5)).backbone(MlpBackbone.NAME, Map.of())
                .strategy("fine-tuning", Map.of()).head(HeadConfig.mlp(Task.CLASSIFICATION, List.of(16), 0.25)).trainer(tc)
                .cacheDir(checkpointDir.resolveSibling(checkpointDir.getFileName() + "-cache"));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int epochs = Integer.parseInt(args[2]);
        int every = Integer.parseInt(args[3]);
        PipelineResult r = pipeline(dir, epochs, every).listener(new TrainingListener() {
            @Override
            public void onCheckpoint(Path file, long step) {
                System.out.println("checkpoint " + step);
                System.out.flush();
            }
        }).run();
        SafeTensors.write(out, r.model().weights(), Map.of("steps", Long.toString(r.history().steps()),
                "resumedFrom", Long.toString(r.history().resumedFromStep())));
        System.out.println("done steps=" + r.history().steps() + " resumedFrom=" + r.history().resumedFromStep());
    }
}
