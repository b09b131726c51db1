package dev.graft.core.internal.backbones;

import dev.graft.core.internal.cache.FeatureCache;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Block;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.InputSpec;
import dev.graft.core.spi.Preprocessing;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved model's backbone: the architecture, encoding and cut points of the backbone it was
 * trained on, with the weights it was trained to (read on first use; a reopened model never reads them).
 */
final class GraftModelBackbone implements Backbone {
    private static final String SCOPE = "backbone.";
    private final String name;
    private final Path dir;
    private final Backbone inner;
    private Map<String, HostTensor> weights;
    private String fingerprint;

    GraftModelBackbone(String name, Path dir, Backbone inner) {
        this.name = name;
        this.dir = dir;
        this.inner = inner;
    }

    @Override
    public String name() {
        return name;
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
    public Node build(NetworkBuilder b, Map<String, Node> in) {
        return inner.build(b, in);
    }

    @Override
    public Map<String, HostTensor> encode(List<Example> batch, boolean training, long seed) {
        return inner.encode(batch, training, seed);
    }

    /** The saved tensors under {@code backbone.}; the head's are left out. */
    @Override
    public synchronized Map<String, HostTensor> weights() {
        if (weights == null) {
            Path f = dir.resolve(TrainedModel.WEIGHTS);
            Map<String, HostTensor> all;
            try {
                all = SafeTensors.read(f).tensors();
            } catch (IOException e) {
                throw new UncheckedIOException("backbone '" + name + "': cannot read " + f + ": " + e.getMessage(), e);
            }
            Map<String, HostTensor> w = new LinkedHashMap<>();
            all.forEach((k, v) -> {
                if (k.startsWith(SCOPE)) {
                    w.put(k, v);
                }
            });
            if (w.isEmpty()) {
                throw new IllegalArgumentException("backbone '" + name + "': " + f + " holds no backbone tensors (names under '"
                        + SCOPE + "')");
            }
            weights = Collections.unmodifiableMap(w);
        }
        return weights;
    }

    @Override
    public boolean pretrained() {
        return true;
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            Path f = dir.resolve(TrainedModel.WEIGHTS);
            try (InputStream in = Files.newInputStream(f)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0;) {
                    md.update(buf, 0, n);
                }
                fingerprint = FeatureCache.hash("graft-model", HexFormat.of().formatHex(md.digest()), inner.name(),
                        inner.preprocessing().canonical());
            } catch (IOException e) {
                throw new UncheckedIOException("backbone '" + name + "': cannot read " + f + ": " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return fingerprint;
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String toString() {
        return "Backbone[" + name + " = " + inner.name() + " with the weights of " + dir + "]";
    }
}
