package dev.graft.core.spi;

import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.Set;

/** What a {@link LossTerm} may read while it builds its ops. */
public interface LossContext {
    /** Builder of the training network (the definition copied so far); add the term's ops here. */
    NetworkBuilder builder();

    /** The training network before the term (adapters applied), to look parameters up. */
    Network network();

    /** The node reading parameter {@code name}. */
    Node param(String name);

    /** The node of a named output: {@code features}, {@code logits}, {@code loss}. */
    Node output(String name);

    /** Names of parameters that have pretrained values (the backbone's weights). */
    Set<String> pretrainedNames();

    /**
     * A frozen copy of parameter {@code name} holding its pretrained value: a non-trainable
     * parameter the run fills before training and never updates. Copies are dropped from the saved
     * model.
     *
     * @throws IllegalArgumentException if {@code name} has no pretrained value
     */
    Node pretrained(String name);
}
