package dev.graft.core.spi;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import java.util.Map;

/**
 * Rewrites the training network's definition before it is compiled, and folds what it added back
 * into the base parameters when the model is saved, so a saved or exported model is the plain
 * network and loads and serves like any other, on any engine. Use
 * {@link dev.graft.engine.spi.graph.NetworkRewriter} to copy the definition with replacements.
 *
 * <p>Parameters the adapter adds start from their initializers (seeded) and train as their plan
 * group says: name them under the parameter they adapt (e.g. {@code backbone.fc.lora_a}) and give
 * the plan a group for them before the group that freezes the backbone.
 */
public interface NetworkAdapter extends RunExtension {
    /**
     * The network to train: {@code network} with the adapter's parameters and ops. It must keep
     * every input, output and parameter of {@code network} (with the same shape).
     *
     * @throws IllegalArgumentException naming the option or parameter at fault (e.g. a target
     *         pattern that matches nothing)
     */
    Network adapt(Network network);

    /**
     * Folds trained weights of the adapted network into weights of the base network: every base
     * parameter present, none of the adapter's. Must not modify {@code adaptedWeights}.
     */
    Map<String, HostTensor> merge(Map<String, HostTensor> adaptedWeights);

    /**
     * Base parameters whose saved values {@link #merge} changes (known once {@link #adapt} ran);
     * every other base parameter keeps its trained value. Checked by the strategy conformance suite.
     */
    default java.util.Set<String> adaptedParameters() {
        return java.util.Set.of();
    }

    /** The adapter's own parameters, for an adapter-only save (empty if it adds none). */
    default Map<String, HostTensor> adapterWeights(Map<String, HostTensor> adaptedWeights) {
        return Map.of();
    }
}
