package dev.graft.core.internal.backbones;

import dev.graft.core.internal.cache.FeatureCache;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.ForwardingBackbone;
import dev.graft.engine.spi.HostTensor;
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
import java.util.Map;

/**
 * A saved model's backbone: the architecture, encoding and cut points of the backbone it was
 * trained on, with the weights it was trained to (read on first use; a reopened model never reads them).
 */
final class GraftModelBackbone extends ForwardingBackbone {
    private static final String SCOPE = "backbone.";
    private final String name;
    private final Path dir;
    private Map<String, HostTensor> weights;
    private String fingerprint;
    private final String options;

    GraftModelBackbone(String name, Path dir, Backbone inner, String options) {
        super(inner);
        this.name = name;
        this.dir = dir;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
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
                // the options the backbone was reopened with can change its output (which features it gives)
                fingerprint = FeatureCache.hash("graft-model", HexFormat.of().formatHex(md.digest()), delegate().name(),
                        delegate().preprocessing().canonical(), options);
            } catch (IOException e) {
                throw new UncheckedIOException("backbone '" + name + "': cannot read " + f + ": " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return fingerprint;
    }

    @Override
    public String toString() {
        return "Backbone[" + name + " = " + delegate().name() + " with the weights of " + dir + "]";
    }
}
