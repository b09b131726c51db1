package dev.graft.core.model;

import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;

/**
 * What a saved model is: which backbone (and options) encodes its inputs, its head, the strategy
 * that trained it, the engine used, and the directory format version.
 */
public record ModelManifest(int formatVersion, ComponentRef backbone, String backboneProvider, HeadConfig head,
        int outputs, ComponentRef strategy, String trainedWithEngine, String predictionOutput) {
    /** The directory layout this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
}
