package dev.graft.core.spi;

import java.util.Objects;

/**
 * An example's input that is already a frozen backbone's feature vector, computed elsewhere (by graft-spark on
 * a cluster, say) and read back from a dataset. Training on cached features (the feature-extraction strategy)
 * and {@code recommend} use the vector as it is instead of running the backbone, but only when the backbone of
 * the run is the one that produced it: the same {@code backboneKey} (backbone name, weights, preprocessing,
 * network up to its pooled features, and the seed of any randomly initialised parameters). Any other backbone,
 * and any strategy that runs the backbone, refuses it with the example's source and both backbones named.
 *
 * @param vector      the feature vector
 * @param backboneKey the producing backbone's key ({@code FeatureExtractor.backboneKey()})
 * @param producer    the producing backbone for people: name, options and preprocessing
 */
public record PrecomputedFeatures(float[] vector, String backboneKey, String producer) {
    public PrecomputedFeatures {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(backboneKey, "backboneKey");
        Objects.requireNonNull(producer, "producer");
        if (vector.length == 0) {
            throw new IllegalArgumentException("an empty feature vector");
        }
    }

    @Override
    public String toString() {
        return vector.length + " features from " + producer;
    }
}
