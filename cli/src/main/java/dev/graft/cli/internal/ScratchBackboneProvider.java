package dev.graft.cli.internal;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.ForwardingBackbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.WeightsStatus;
import dev.graft.engine.spi.HostTensor;
import java.util.LinkedHashMap;
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
    static final class Scratch extends ForwardingBackbone {
        Scratch(Backbone inner) {
            super(inner);
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Map<String, HostTensor> weights() {
            return Map.of();
        }

        @Override
        public boolean pretrained() {
            return false;
        }

        @Override
        public String fingerprint() {
            return "scratch/" + delegate().name() + "/" + delegate().preprocessing().canonical();
        }
    }
}
