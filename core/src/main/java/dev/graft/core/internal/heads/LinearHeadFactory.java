package dev.graft.core.internal.heads;

import dev.graft.core.spi.HeadSpec;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;

/** One dense layer (with optional dropout before it) on the features: {@code out.kernel}, {@code out.bias}. */
public final class LinearHeadFactory extends MlpHeadFactory {
    @Override
    public String id() {
        return "linear";
    }

    @Override
    public Node build(NetworkBuilder b, Node features, HeadSpec spec) {
        if (!spec.hidden().isEmpty()) {
            throw new IllegalArgumentException("the linear head has no hidden layers, got " + spec.hidden()
                    + "; use head 'mlp' for hidden layers");
        }
        return super.build(b, features, spec);
    }
}
