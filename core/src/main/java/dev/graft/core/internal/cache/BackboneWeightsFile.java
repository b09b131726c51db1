package dev.graft.core.internal.cache;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.io.FileTensors;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.io.SafeTensorsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A frozen backbone's weights (pretrained, and seeded where it has none) kept once as a safetensors file beside its
 * cached features, under the same backbone key. A run whose features are all cached then reads neither the
 * backbone's own weight files nor decodes them: its saved model copies the backbone's tensors from this file in the
 * kernel ({@link FileTensors}). The file is checked like any safetensors file when it is opened; one that is damaged,
 * or that holds other tensors or another key, is written again from the backbone.
 */
public final class BackboneWeightsFile {
    private static final Logger LOG = Logger.getLogger(BackboneWeightsFile.class.getName());
    /** The file's name in the feature cache's directory (feature shards are named {@code shard-*}). */
    public static final String NAME = "backbone-weights.safetensors";
    static final String KEY = "graft.backbone-key";

    private BackboneWeightsFile() {
    }

    /**
     * The backbone's weights as views of the file in {@code dir}: the file found there when it holds exactly
     * {@code params} for {@code backboneKey}, else one written from {@code weights} (asked for only then).
     */
    public static FileTensors obtain(Path dir, String backboneKey, Map<String, ParamSpec> params,
            Supplier<Map<String, HostTensor>> weights) throws IOException {
        Path f = dir.resolve(NAME);
        if (Files.isRegularFile(f)) {
            try {
                FileTensors found = FileTensors.open(f);
                String why = mismatch(found, backboneKey, params);
                if (why == null) {
                    return found;
                }
                found.close();
                LOG.info(() -> f + ": " + why + "; written again");
            } catch (SafeTensorsException e) {
                LOG.warning("ignoring damaged backbone weights file: " + e.getMessage());
            }
        }
        Files.createDirectories(dir);
        SafeTensors.write(f, weights.get(), Map.of(KEY, backboneKey));
        return FileTensors.open(f);
    }

    /** Why the file cannot stand for these parameters, or null when it can. */
    private static String mismatch(FileTensors file, String backboneKey, Map<String, ParamSpec> params) {
        if (!backboneKey.equals(file.metadata().get(KEY))) {
            return "written for another backbone key";
        }
        if (!file.tensors().keySet().equals(params.keySet())) {
            return "holds other tensors than the backbone's " + params.size() + " parameters";
        }
        for (ParamSpec p : params.values()) {
            HostTensor t = file.tensors().get(p.name());
            if (t.dtype() != p.dtype() || !t.shape().equals(p.shape())) {
                return "tensor '" + p.name() + "' is " + t.dtype() + t.shape() + ", the backbone's is " + p.dtype() + p.shape();
            }
        }
        return null;
    }
}
