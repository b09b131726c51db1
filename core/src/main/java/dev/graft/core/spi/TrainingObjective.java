package dev.graft.core.spi;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;

/**
 * A training procedure of its own for some phases of a plan: the objective supplies the batches
 * and builds the loss on the backbone's features, instead of the head and the task loss. SetFit
 * (Tunstall et al. 2022) is written this way: its first phase trains the encoder on pairs of
 * labelled texts, stacked into one batch of 2N examples ({@code a1..aN, b1..bN}); its loss takes
 * the [2N, D] features, reshapes them to [2, N, D], slices the two halves, and regresses their
 * cosine similarity onto a 1/0 same-class input with mean squared error. Its second phase trains the
 * head on the tuned features with the task loss as usual.
 *
 * <p>The objective's network is the backbone (scope {@code backbone}) plus the ops {@link #loss}
 * adds; its parameters are the backbone's, carried over to and from the task network between
 * phases. Everything is built from ops of the definition, so every engine runs it.
 */
public interface TrainingObjective extends RunExtension {
    /** Whether this objective trains {@code phase}; the task loss trains the other phases. */
    boolean trains(Phase phase);

    /**
     * The batches of one epoch, in order; deterministic for a given seed and epoch.
     *
     * @param train     the training examples (labels as written in the data)
     * @param batchSize the configured batch size (the objective may pack it differently)
     */
    List<Batch> batches(List<Example> train, int batchSize, int epoch, long seed);

    /**
     * Adds the objective's inputs and loss on {@code features} ([rows, D], rows = the examples of a
     * batch in order); returns the scalar loss.
     */
    Node loss(NetworkBuilder b, Node features);

    /**
     * One step's data: the examples the backbone encodes, in order, and the objective's own inputs
     * (e.g. {@code pair_target} [N]) by the names {@link #loss} gave them.
     */
    record Batch(List<Example> examples, Map<String, HostTensor> inputs) {
        public Batch {
            examples = List.copyOf(examples);
            inputs = Map.copyOf(inputs);
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("an objective batch needs at least one example");
            }
        }
    }
}
