package dev.graft.core.internal.heads;

import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.HeadSpec;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;

/**
 * Dense layers of {@code spec.hidden()} widths with ReLU, then a dense output layer; dropout before
 * each dense layer. Parameters: {@code fc1.kernel}, ..., {@code out.kernel}, {@code out.bias}. The
 * output is logits (classification, multi-label) or values (regression); core adds the activation
 * and the loss for the task.
 */
public class MlpHeadFactory implements HeadFactory {
    @Override
    public String id() {
        return "mlp";
    }

    @Override
    public Node build(NetworkBuilder b, Node features, HeadSpec spec) {
        if (features.shape().rank() != 2 || features.shape().dim(1) < 0) {
            throw new DefinitionException(b.qualify(""), "a head needs features [N, D] with D known, got "
                    + features.shape());
        }
        Node x = features;
        for (int i = 0; i < spec.hidden().size(); i++) {
            int width = spec.hidden().get(i);
            if (width < 1) {
                throw new DefinitionException(b.qualify("fc" + (i + 1)), "hidden width must be >= 1, got " + width);
            }
            x = b.relu(Layers.dense(b, "fc" + (i + 1), dropout(b, x, spec), width));
        }
        return Layers.dense(b, "out", dropout(b, x, spec), spec.outputs());
    }

    private static Node dropout(NetworkBuilder b, Node x, HeadSpec spec) {
        return spec.dropout() > 0 ? b.dropout(x, spec.dropout()) : x;
    }
}
