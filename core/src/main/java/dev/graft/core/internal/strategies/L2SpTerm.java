package dev.graft.core.internal.strategies;

import dev.graft.core.spi.LossContext;
import dev.graft.core.spi.LossTerm;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.train.ParamGroup;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The L2-SP penalty (Li, Grandvalet and Davoine 2018):
 * {@code alpha/2 * sum ||w - w0||^2} over the trainable parameters that have pretrained values
 * {@code w0} (selected by {@code pretrainedPattern}), plus {@code beta/2 * sum ||w||^2} over the
 * trainable parameters of the new head ({@code headPattern}).
 */
public final class L2SpTerm implements LossTerm {
    private final double alpha;
    private final double beta;
    private final String pretrainedPattern;
    private final String headPattern;
    private int pulled;
    private int decayed;

    public L2SpTerm(double alpha, double beta, String pretrainedPattern, String headPattern) {
        this.alpha = alpha;
        this.beta = beta;
        this.pretrainedPattern = pretrainedPattern;
        this.headPattern = headPattern;
    }

    @Override
    public Node build(LossContext c) {
        NetworkBuilder b = c.builder();
        Pattern sp = ParamGroup.toRegex(pretrainedPattern);
        Pattern head = ParamGroup.toRegex(headPattern);
        Node spSum = null;
        Node headSum = null;
        pulled = 0;
        decayed = 0;
        for (ParamSpec p : c.network().params().values()) {
            if (!p.trainable()) {
                continue;
            }
            if (alpha > 0 && c.pretrainedNames().contains(p.name()) && sp.matcher(p.name()).matches()) {
                Node d = b.sub(c.param(p.name()), c.pretrained(p.name()));
                spSum = add(b, spSum, squaredNorm(b, d));
                pulled++;
            } else if (beta > 0 && head.matcher(p.name()).matches()) {
                headSum = add(b, headSum, squaredNorm(b, c.param(p.name())));
                decayed++;
            }
        }
        Node term = b.scalar(0);
        if (spSum != null) {
            term = b.add(term, b.mul(spSum, b.scalar(alpha / 2)));
        }
        if (headSum != null) {
            term = b.add(term, b.mul(headSum, b.scalar(beta / 2)));
        }
        return term;
    }

    private static Node add(NetworkBuilder b, Node acc, Node x) {
        return acc == null ? x : b.add(acc, x);
    }

    private static Node squaredNorm(NetworkBuilder b, Node x) {
        int[] axes = new int[x.shape().rank()];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return b.sum(b.mul(x, x), false, axes);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "l2-sp alpha=%s toward the pretrained values of %d parameter(s), beta=%s on %d head "
                + "parameter(s)", alpha, pulled, beta, decayed);
    }
}
