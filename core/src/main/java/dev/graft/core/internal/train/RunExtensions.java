package dev.graft.core.internal.train;

import dev.graft.core.spi.LossContext;
import dev.graft.core.spi.LossTerm;
import dev.graft.core.spi.NetworkAdapter;
import dev.graft.core.spi.RunExtension;
import dev.graft.core.spi.StepHook;
import dev.graft.core.spi.TrainingObjective;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.NetworkRewriter;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.ParamSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a plan's run extensions to the training network: network adapters in order, then loss
 * terms added to the task loss (with frozen copies of pretrained weights where a term asks), and
 * collects step hooks. After training, {@link #merge} folds adapters back (last applied first).
 */
public final class RunExtensions {
    /** Prefix of the frozen copies of pretrained weights that loss terms read. */
    public static final String PRETRAINED_PREFIX = "pretrained.";

    private final List<RunExtension> all;
    private final Network network;
    private final Map<String, String> copies;

    private RunExtensions(List<RunExtension> all, Network network, Map<String, String> copies) {
        this.all = all;
        this.network = network;
        this.copies = copies;
    }

    /** Every extension of the plan, plus the strategy itself when it implements one. */
    public static List<RunExtension> of(TransferPlan plan, TransferStrategy strategy) {
        List<RunExtension> out = new ArrayList<>(plan.extensions());
        if (strategy instanceof RunExtension r && !out.contains(r)) {
            out.add(0, r);
        }
        return out;
    }

    /**
     * Adapts {@code base} (a training network with a loss).
     *
     * @param pretrained names of parameters that have pretrained (or initial backbone) values
     */
    public static RunExtensions apply(List<RunExtension> extensions, Network base, Set<String> pretrained) {
        Network net = base;
        for (NetworkAdapter a : kind(extensions, NetworkAdapter.class)) {
            Network adapted = a.adapt(net);
            requireKept(a, net, adapted);
            net = adapted;
        }
        Map<String, String> copies = new LinkedHashMap<>();
        List<LossTerm> terms = kind(extensions, LossTerm.class);
        if (!terms.isEmpty()) {
            NetworkRewriter.Copy copy = NetworkRewriter.copy(net, NetworkRewriter.KEEP);
            Context ctx = new Context(copy, net, pretrained, copies);
            Node loss = copy.loss();
            for (LossTerm t : terms) {
                Node term = t.build(ctx);
                if (term.shape().rank() != 0 || term.dtype() != dev.graft.engine.spi.DType.FLOAT32) {
                    throw new DefinitionException(term.name(), "loss term '" + t.describe() + "' must be a FLOAT32 scalar, got "
                            + term.dtype() + term.shape());
                }
                loss = copy.builder().add(loss, term);
            }
            copy.setLoss(loss);
            net = copy.build();
        }
        return new RunExtensions(List.copyOf(extensions), net, Collections.unmodifiableMap(copies));
    }

    /** The network to compile and train. */
    public Network network() {
        return network;
    }

    public boolean changesNetwork() {
        return !kind(all, NetworkAdapter.class).isEmpty() || !kind(all, LossTerm.class).isEmpty();
    }

    public List<NetworkAdapter> adapters() {
        return kind(all, NetworkAdapter.class);
    }

    public List<StepHook> stepHooks() {
        return kind(all, StepHook.class);
    }

    public List<TrainingObjective> objectives() {
        return kind(all, TrainingObjective.class);
    }

    /** Values of the frozen copies, from the values of the parameters they copy. */
    public Map<String, HostTensor> copyValues(Map<String, HostTensor> sources) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        copies.forEach((copy, source) -> out.put(copy, sources.get(source)));
        return out;
    }

    /** Trained weights of the adapted network folded into weights of the base network. */
    public Map<String, HostTensor> merge(Map<String, HostTensor> trained) {
        Map<String, HostTensor> w = new LinkedHashMap<>(trained);
        copies.keySet().forEach(w::remove);
        List<NetworkAdapter> adapters = kind(all, NetworkAdapter.class);
        for (int i = adapters.size() - 1; i >= 0; i--) {
            w = new LinkedHashMap<>(adapters.get(i).merge(w));
        }
        return w;
    }

    /** The adapters' own parameters (for an adapter-only save). */
    public Map<String, HostTensor> adapterWeights(Map<String, HostTensor> trained) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (NetworkAdapter a : kind(all, NetworkAdapter.class)) {
            out.putAll(a.adapterWeights(trained));
        }
        return out;
    }

    /** One line per extension, for the plan report. */
    public List<String> describe() {
        return all.stream().map(RunExtension::describe).toList();
    }

    static <T> List<T> kind(List<RunExtension> all, Class<T> k) {
        return all.stream().filter(k::isInstance).map(k::cast).toList();
    }

    private static void requireKept(NetworkAdapter a, Network before, Network after) {
        for (ParamSpec p : before.params().values()) {
            ParamSpec q = after.params().get(p.name());
            if (q == null || !q.shape().equals(p.shape())) {
                throw new IllegalStateException("network adapter '" + a.describe() + "' dropped or reshaped parameter '"
                        + p.name() + "'");
            }
        }
        Set<String> missing = new LinkedHashSet<>(before.outputs().keySet());
        missing.removeAll(after.outputs().keySet());
        missing.addAll(before.inputs().keySet().stream().filter(n -> !after.inputs().containsKey(n)).toList());
        if (!missing.isEmpty() || !before.lossOutput().equals(after.lossOutput())) {
            throw new IllegalStateException("network adapter '" + a.describe() + "' dropped inputs/outputs " + missing
                    + " or changed the loss output");
        }
    }

    private static final class Context implements LossContext {
        private final NetworkRewriter.Copy copy;
        private final Network net;
        private final Set<String> pretrained;
        private final Map<String, String> copies;

        Context(NetworkRewriter.Copy copy, Network net, Set<String> pretrained, Map<String, String> copies) {
            this.copy = copy;
            this.net = net;
            this.pretrained = Collections.unmodifiableSet(new LinkedHashSet<>(pretrained));
            this.copies = copies;
        }

        @Override
        public NetworkBuilder builder() {
            return copy.builder();
        }

        @Override
        public Network network() {
            return net;
        }

        @Override
        public Node param(String name) {
            return copy.param(name);
        }

        @Override
        public Node output(String name) {
            return name.equals(net.lossOutput().orElse(null)) ? copy.loss() : copy.output(name);
        }

        @Override
        public Set<String> pretrainedNames() {
            return pretrained;
        }

        @Override
        public Node pretrained(String name) {
            if (!pretrained.contains(name)) {
                throw new IllegalArgumentException("parameter '" + name + "' has no pretrained value");
            }
            ParamSpec p = net.param(name);
            String copyName = PRETRAINED_PREFIX + name;
            copies.put(copyName, name);
            return copy.builder().paramNamed(copyName, Initializer.zeros(), false, p.dtype(), p.shape().dims());
        }
    }
}
