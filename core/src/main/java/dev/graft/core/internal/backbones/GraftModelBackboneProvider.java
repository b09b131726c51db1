package dev.graft.core.internal.backbones;

import dev.graft.core.model.ModelManifest;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.Preprocessing;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.WeightsStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Offers {@code model:<dir>}: any model Graft saved, minus its head, as a backbone. The saved
 * model's own backbone (name and options from its manifest) gives the architecture, the input
 * encoding and the cut points; the saved weights under {@code backbone.} replace that backbone's
 * initial weights. So one can pretrain once on a large set and transfer many times, and transfer
 * from a transferred model (a chain). Options given here override the saved backbone's options
 * (e.g. augmentation), except {@code weights}, which the saved model supplies.
 */
public final class GraftModelBackboneProvider implements BackboneProvider {
    public static final String PREFIX = "model:";
    private static final int MAX_DEPTH = 16;
    private static final ThreadLocal<Integer> DEPTH = ThreadLocal.withInitial(() -> 0);

    @Override
    public String id() {
        return "graft-model";
    }

    @Override
    public Set<String> backbones() {
        return Set.of();
    }

    @Override
    public Set<String> prefixes() {
        return Set.of(PREFIX + "<dir>");
    }

    @Override
    public WeightsStatus weightsStatus(String name) {
        return WeightsStatus.savedModel("-b model:<dir> with a directory written by 'graft fit' (Java: TrainedModel.save): "
                + "its layers up to the head, with the weights it was trained to and its cut points");
    }

    @Override
    public Backbone create(String name, Map<String, String> options) {
        return create(name, options, null);
    }

    @Override
    public Backbone create(String name, Map<String, String> options, RunContext context) {
        if (!name.startsWith(PREFIX) || name.length() == PREFIX.length()) {
            throw new IllegalArgumentException("backbone '" + name + "': write model:<dir>, a directory written by 'graft fit'");
        }
        Path dir = Path.of(name.substring(PREFIX.length()));
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("backbone '" + name + "': " + dir + " is not a directory (want a model directory "
                    + "written by 'graft fit')");
        }
        if (!Files.isRegularFile(dir.resolve(TrainedModel.MANIFEST))) {
            throw new IllegalArgumentException("backbone '" + name + "': " + dir + " is not a Graft model directory (no "
                    + TrainedModel.MANIFEST + ")");
        }
        if (dev.graft.core.internal.ensemble.EnsembleFile.is(dir)) {
            throw new IllegalArgumentException("backbone '" + name + "': " + dir + " is a soft-voting ensemble of saved models ("
                    + dev.graft.core.internal.ensemble.EnsembleFile.NAME + "), which has no single network to transfer from; use "
                    + "one of its members (" + dir.resolve(dev.graft.core.internal.ensemble.EnsembleFile.MEMBERS) + "/...) instead");
        }
        if (options.containsKey("weights")) {
            throw new IllegalArgumentException("backbone '" + name + "': the option weights does not apply; the weights are the "
                    + "saved model's own (" + dir.resolve(TrainedModel.WEIGHTS) + ")");
        }
        if (context == null) {
            throw new IllegalArgumentException("backbone '" + name + "' creates the saved model's backbone in the run's context; "
                    + "create it through Graft or a Pipeline");
        }
        ModelManifest manifest;
        Preprocessing saved;
        try {
            manifest = TrainedModel.readManifest(dir);
            saved = TrainedModel.readPreprocessing(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("backbone '" + name + "': " + e.getMessage(), e);
        }
        Map<String, String> merged = new LinkedHashMap<>(manifest.backbone().options());
        String source = merged.get("weights");
        if (source != null && !Files.exists(Path.of(source))) {
            // the saved model holds the weights; the file they came from need not exist any more (it would only have
            // told the preprocessing, which the check below compares with the saved one)
            merged.remove("weights");
        }
        merged.putAll(options);
        int depth = DEPTH.get();
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("backbone '" + name + "': saved models refer to each other " + MAX_DEPTH
                    + " levels deep; is there a loop of model directories?");
        }
        Backbone inner;
        DEPTH.set(depth + 1);
        try {
            inner = context.backbone(manifest.backbone().name(), merged);
        } finally {
            DEPTH.set(depth);
        }
        if (!inner.preprocessing().canonical().equals(saved.canonical())) {
            String now = inner.preprocessing().canonical();
            inner.close();
            throw new IllegalArgumentException("backbone '" + name + "': its backbone '" + manifest.backbone().name()
                    + "' now preprocesses as " + now + " but the model was trained with " + saved.canonical()
                    + " (an option given here, or another plugin version, changed it)");
        }
        return new GraftModelBackbone(name, dir, inner, new java.util.TreeMap<>(merged).toString());
    }
}
