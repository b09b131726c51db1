package dev.graft.core.spi;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;

/**
 * A pretrained (or randomly initialised) network that produces features. Its parameters are
 * created under the builder's current scope (core opens the scope {@code backbone}), so block
 * patterns are written relative to it, e.g. {@code backbone.layer4.**}.
 */
public interface Backbone extends AutoCloseable {
    /** The catalogue name, e.g. {@code resnet50} or {@code bert-base-uncased}. */
    String name();

    /** Network inputs this backbone reads. */
    List<InputSpec> inputs();

    /** The preprocessing its weights expect. */
    Preprocessing preprocessing();

    /** Blocks bottom to top; their names are the valid cut points. */
    List<Block> blocks();

    /** Adds the backbone's ops; returns the feature node ([N, D]). */
    Node build(NetworkBuilder b, Map<String, Node> inputs);

    /** Turns raw examples into input tensors, the way the weights expect (augmenting if training). */
    Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed);

    /**
     * The length of one example's input as {@link #encode} pads it (tokens of a text, special
     * tokens included, after truncation), so that the frozen feature pass can batch examples of
     * similar length together and pad less; 0 (the default) when every input encodes to the same
     * size. Only an ordering hint: it must not change what {@link #encode} produces.
     */
    default int sequenceLength(Example example) {
        return 0;
    }

    /**
     * Pretrained weights by full parameter name (as created by {@link #build}); empty for a
     * randomly initialised backbone.
     */
    Map<String, HostTensor> weights();

    /**
     * Whether this backbone starts from pretrained weights. A run on a backbone that does not warns
     * that it is training from scratch. By default: whether {@link #weights()} holds any tensor;
     * backbones whose weights live elsewhere (an opaque SavedModel) or load lazily override it.
     */
    default boolean pretrained() {
        return !weightNames().isEmpty();
    }

    /**
     * The names of the tensors {@link #weights()} gives. By default read from {@link #weights()};
     * a backbone that hands its weights over instead of keeping them (so that a large model's
     * weights do not stay on the Java heap once an engine holds them) answers without reloading.
     */
    default java.util.Set<String> weightNames() {
        return weights().keySet();
    }

    /** A digest of the weights and preprocessing, used to key feature caches. */
    String fingerprint();

    /**
     * Files a client outside Graft needs to prepare this backbone's inputs (a tokenizer's
     * vocabulary), by file name; exports write them beside the model. None by default.
     */
    default Map<String, byte[]> clientFiles() {
        return Map.of();
    }

    /**
     * Releases what the backbone holds (a native tokenizer, an opened SavedModel). Whoever created
     * it through {@link BackboneProvider#create} closes it; the default holds nothing.
     */
    @Override
    default void close() {
    }
}
