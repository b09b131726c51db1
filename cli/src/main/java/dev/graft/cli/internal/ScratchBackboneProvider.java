package dev.graft.cli.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.WeightsStatus;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offers {@code scratch}: any other backbone ({@code of=<name>}, its own options passed through)
 * with the same architecture and input encoding but no pretrained weights, so every parameter
 * starts from the run's seeded random initialisation. The baseline that shows what pretraining
 * is worth.
 */
public final class ScratchBackboneProvider implements BackboneProvider {
    public static final String NAME = "scratch";

    @Override
    public String id() {
        return "scratch";
    }

    @Override
    public Set<String> backbones() {
        return Set.of(NAME);
    }


    @Override
    public WeightsStatus weightsStatus(String name) {
        return WeightsStatus.random("The from-scratch baseline on purpose: -b scratch -B of=<backbone> drops that backbone's weights");
    }

    @Override
    public Backbone create(String name, Map<String, String> options, RunContext context) {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("provider 'scratch' has no backbone '" + name + "'; it offers [scratch]");
        }
        Map<String, String> rest = new LinkedHashMap<>(options);
        String of = rest.remove("of");
        if (of == null || of.isBlank()) {
            throw new IllegalArgumentException("backbone 'scratch' needs option of=<backbone>, e.g. of=resnet18");
        }
        if (of.equals(NAME)) {
            throw new IllegalArgumentException("backbone 'scratch' cannot wrap itself (of=scratch)");
        }
        if (context == null) {
            throw new IllegalArgumentException("backbone 'scratch' creates '" + of + "' in the run's context; create it "
                    + "with a run context (through Graft or a Pipeline)");
        }
        return new Scratch(context.backbone(of, rest));
    }

    /** The wrapped backbone without its weights. */
    static final class Scratch implements Backbone {
        private final Backbone inner;

        Scratch(Backbone inner) {
            this.inner = inner;
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public List<InputSpec> inputs() {
            return inner.inputs();
        }

        @Override
        public Preprocessing preprocessing() {
            return inner.preprocessing();
        }

        @Override
        public List<Block> blocks() {
            return inner.blocks();
        }

        @Override
        public Node build(NetworkBuilder b, Map<String, Node> inputs) {
            return inner.build(b, inputs);
        }

        @Override
        public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
            return inner.encode(batch, training, seed);
        }

        @Override
        public Map<String, HostTensor> weights() {
            return Map.of();
        }

        @Override
        public String fingerprint() {
            return "scratch/" + inner.name() + "/" + inner.preprocessing().canonical();
        }
    }
}
