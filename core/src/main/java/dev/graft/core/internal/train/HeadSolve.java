package dev.graft.core.internal.train;

import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.internal.heads.SolvedLinearHead;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.EpochMetrics;
import dev.graft.core.train.Metrics;
import dev.graft.core.train.TrainingHistory;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.graph.Network;
import java.util.List;

/**
 * Runs a {@link SolvedLinearHead}: solves the head on frozen features, writes it into the compiled
 * model, and records the outcome as a one-entry history (stop reason {@code solved}).
 */
final class HeadSolve {
    static final String STOP = "solved";

    private HeadSolve() {
    }

    /**
     * @param features training rows of the frozen features the head reads, in {@code train} order
     * @param net      the compiled model's network (head parameters under {@link NetworkAssembler#HEAD_SCOPE})
     */
    static TrainingHistory apply(SolvedLinearHead solver, CompiledModel model, Network net, Task task, String strategy,
            float[][] features, List<Example> train, LabelCodec codec, long seed, Trainer trainer, BatchSource trainSource,
            BatchSource validation,
            List<Example> validationExamples, String phase, long stepsBefore) {
        long t0 = System.nanoTime();
        String[] names = SolvedLinearHead.headParameters(net, NetworkAssembler.HEAD_SCOPE, task, strategy);
        model.setParameters(solver.solve(features, train, codec.labels(), names, seed));
        Metrics val = validationExamples.isEmpty() ? null : trainer.evaluate(validation, validationExamples);
        Metrics fit = trainer.evaluate(trainSource, train);
        EpochMetrics em = new EpochMetrics(0, phase + " (" + solver.describe() + ")", fit.loss(), val, stepsBefore,
                (System.nanoTime() - t0) / 1e9, fit);
        return new TrainingHistory(List.of(em), 0, STOP, stepsBefore, 0);
    }
}
