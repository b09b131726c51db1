package dev.graft.cli;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Layers;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small real text backbone for CLI tests: lower-cased words hashed into a 64-wide bag of words,
 * then two dense ReLU blocks (randomly initialised from the run's seed). Option {@code blind=true}: all zeros.
 */
public final class HashedWordsBackbone implements Backbone {
    static final int BUCKETS = 64;

    /** With {@code blind=true} every text encodes to zeros: features that carry nothing. */
    private final boolean blind;

    HashedWordsBackbone(boolean blind) {
        this.blind = blind;
    }

    /** Offers {@code hashed-words}. */
    public static final class Provider implements BackboneProvider {
        @Override
        public String id() {
            return "test-text";
        }

        @Override
        public Set<String> backbones() {
            return Set.of("hashed-words");
        }

        @Override
        public Backbone create(String name, Map<String, String> options) {
            for (String k : options.keySet()) {
                if (!k.equals("maxLength") && !k.equals("blind")) {
                    throw new IllegalArgumentException("backbone 'hashed-words': unknown option '" + k + "'; valid options: [maxLength, blind]");
                }
            }
            return new HashedWordsBackbone(Boolean.parseBoolean(options.getOrDefault("blind", "false")));
        }
    }

    @Override
    public String name() {
        return "hashed-words";
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("words", DType.FLOAT32, Shape.of(-1, BUCKETS)));
    }

    @Override
    public Preprocessing preprocessing() {
        return new Preprocessing("text", Map.of("tokenizer", "whitespace-hash", "buckets", Integer.toString(BUCKETS)));
    }

    @Override
    public List<Block> blocks() {
        return List.of(new Block("block1", "block1.**"), new Block("block2", "block2.**"));
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> in) {
        Node x = in.get("words");
        for (int i = 1; i <= 2; i++) {
            try (NetworkBuilder.Scope s = b.scope("block" + i)) {
                x = b.relu(Layers.dense(b, "fc", x, 32, true, Initializer.glorotUniform()));
            }
        }
        return x;
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        float[] v = new float[batch.size() * BUCKETS];
        for (int i = 0; i < batch.size(); i++) {
            if (!(batch.get(i).input() instanceof String s)) {
                throw new IllegalArgumentException(batch.get(i).source() + ": hashed-words needs text");
            }
            for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
                if (!w.isEmpty() && !blind) {
                    v[i * BUCKETS + Math.floorMod(w.hashCode(), BUCKETS)] += 1;
                }
            }
        }
        return Map.of("words", HostTensor.of(v, batch.size(), BUCKETS));
    }

    @Override
    public Map<String, HostTensor> weights() {
        return Map.of();
    }

    @Override
    public String fingerprint() {
        return "hashed-words/" + BUCKETS + (blind ? "/blind" : "");
    }
}
