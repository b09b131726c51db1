package dev.graft.serve;

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
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Two small real backbones for server tests. {@code test-words}: lower-cased words hashed into a bag of 64,
 * then two dense ReLU blocks; the text {@value #FAIL} makes its encoder throw, which is how tests make a
 * prediction fail inside the server. {@code test-grid}: an image's mean red, green and blue over a 2 x 2
 * grid, then one dense ReLU block.
 */
final class WordsBackbone implements Backbone {
    static final String FAIL = "please fail inside the encoder";
    static final int BUCKETS = 64;

    private final boolean image;

    WordsBackbone(boolean image) {
        this.image = image;
    }

    /** Offers {@code test-words} and {@code test-grid}. */
    public static final class Provider implements BackboneProvider {
        @Override
        public String id() {
            return "serve-test";
        }

        @Override
        public Set<String> backbones() {
            return Set.of("test-words", "test-grid");
        }

        @Override
        public Backbone create(String name, Map<String, String> options) {
            return new WordsBackbone(name.equals("test-grid"));
        }
    }

    @Override
    public String name() {
        return image ? "test-grid" : "test-words";
    }

    @Override
    public List<InputSpec> inputs() {
        return List.of(new InputSpec("x", DType.FLOAT32, Shape.of(-1, width())));
    }

    private int width() {
        return image ? 12 : BUCKETS;
    }

    @Override
    public Preprocessing preprocessing() {
        return image ? new Preprocessing("grid-means", Map.of("grid", "2")) : new Preprocessing("text", Map.of("buckets", "64"));
    }

    @Override
    public List<Block> blocks() {
        return image ? List.of(new Block("block1", "block1.**")) : List.of(new Block("block1", "block1.**"), new Block("block2", "block2.**"));
    }

    @Override
    public Node build(NetworkBuilder b, Map<String, Node> in) {
        Node x = in.get("x");
        for (int i = 1; i <= blocks().size(); i++) {
            try (NetworkBuilder.Scope s = b.scope("block" + i)) {
                x = b.relu(Layers.dense(b, "fc", x, 32, true, Initializer.glorotUniform()));
            }
        }
        return x;
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        int w = width();
        float[] v = new float[batch.size() * w];
        for (int i = 0; i < batch.size(); i++) {
            Object in = batch.get(i).input();
            if (image) {
                BufferedImage bi = (BufferedImage) in;
                int[] n = new int[4];
                for (int y = 0; y < bi.getHeight(); y++) {
                    for (int x = 0; x < bi.getWidth(); x++) {
                        int cell = (y * 2 / bi.getHeight()) * 2 + x * 2 / bi.getWidth();
                        int rgb = bi.getRGB(x, y);
                        n[cell]++;
                        v[i * w + cell * 3] += ((rgb >> 16) & 255) / 255f;
                        v[i * w + cell * 3 + 1] += ((rgb >> 8) & 255) / 255f;
                        v[i * w + cell * 3 + 2] += (rgb & 255) / 255f;
                    }
                }
                for (int c = 0; c < 12; c++) {
                    v[i * w + c] /= Math.max(1, n[c / 3]);
                }
            } else {
                String s = (String) in;
                if (s.equals(FAIL)) {
                    throw new IllegalStateException("test encoder asked to fail");
                }
                for (String word : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
                    if (!word.isEmpty()) {
                        v[i * w + Math.floorMod(word.hashCode(), BUCKETS)] += 1;
                    }
                }
            }
        }
        return Map.of("x", HostTensor.of(v, batch.size(), w));
    }

    @Override
    public Map<String, HostTensor> weights() {
        return Map.of();
    }

    @Override
    public String fingerprint() {
        return name();
    }
}
