package dev.graft.core.spi;

import java.util.Map;
import java.util.Set;

/** Service-provider interface: a plugin offers named backbones. Found by ServiceLoader. */
public interface BackboneProvider {
    /** The provider's id, e.g. {@code vision}. */
    String id();

    /** Backbone names offered, e.g. {@code resnet18}, {@code vgg16}. */
    Set<String> backbones();

    /**
     * Name patterns of backbone families this provider also offers, e.g. {@code model:<dir>}: a
     * name that no provider offers exactly goes to the provider whose pattern's prefix (the text
     * before {@code <}) it starts with. None by default.
     */
    default Set<String> prefixes() {
        return Set.of();
    }

    /** The prefix of a name pattern: {@code model:} of {@code model:<dir>}. */
    static String prefixOf(String pattern) {
        int lt = pattern.indexOf('<');
        return lt < 0 ? pattern : pattern.substring(0, lt);
    }

    /**
     * Where the pretrained weights of {@code name} come from (bundled, the user's files, none), for
     * {@code graft list} and for the warning a run gives when a backbone has no pretrained weights.
     */
    default WeightsStatus weightsStatus(String name) {
        return WeightsStatus.undeclared();
    }

    /**
     * Creates a backbone. Keep this cheap and load weights lazily in {@link Backbone#weights()}:
     * a saved model is reopened by calling {@code create} with the options it was trained with,
     * only to encode new inputs (its weights come from the saved model). Options are plugin-specific
     * strings (e.g. {@code weights=/path/to.h5},
     * {@code pretrained=false}, {@code maxLength=128}); unknown options are an error. The context
     * holds the run's engine (for backbones that need one, e.g. an opaque SavedModel) and cache root:
     * take the engine from it, never from a registry of your own.
     */
    default Backbone create(String name, Map<String, String> options, RunContext context) {
        return create(name, options);
    }

    /**
     * Creates a backbone that needs no run context. Providers implement this or the three-argument
     * form (which calls this by default).
     */
    default Backbone create(String name, Map<String, String> options) {
        throw new UnsupportedOperationException("backbone provider '" + id() + "' needs a run context to create '" + name + "'");
    }
}
