package dev.graft.core.spi;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;

/**
 * A backbone that passes every call to another one; a wrapper overrides what it changes (its
 * name, its weights, its fingerprint) and inherits the rest, so a method added to {@link Backbone}
 * later reaches the wrapped backbone without touching each wrapper. Closing closes the wrapped one.
 */
public abstract class ForwardingBackbone implements Backbone {
    private final Backbone delegate;

    protected ForwardingBackbone(Backbone delegate) {
        if (delegate == null) {
            throw new IllegalArgumentException("a forwarding backbone needs a backbone to forward to");
        }
        this.delegate = delegate;
    }

    /** The wrapped backbone. */
    protected final Backbone delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<InputSpec> inputs() {
        return delegate.inputs();
    }

    @Override
    public Preprocessing preprocessing() {
        return delegate.preprocessing();
    }

    @Override
    public List<Block> blocks() {
        return delegate.blocks();
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> inputs) {
        return delegate.build(b, inputs);
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        return delegate.encode(batch, training, seed);
    }

    @Override
    public int sequenceLength(Example example) {
        return delegate.sequenceLength(example);
    }

    @Override
    public Map<String, HostTensor> weights() {
        return delegate.weights();
    }

    @Override
    public boolean pretrained() {
        return delegate.pretrained();
    }

    @Override
    public java.util.Set<String> weightNames() {
        return delegate.weightNames();
    }

    @Override
    public Map<String, byte[]> clientFiles() {
        return delegate.clientFiles();
    }

    @Override
    public String fingerprint() {
        return delegate.fingerprint();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
