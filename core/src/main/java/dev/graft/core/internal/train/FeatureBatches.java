package dev.graft.core.internal.train;

import dev.graft.engine.spi.HostTensor;
import java.util.Map;

/** Batches of precomputed backbone features ({@code features} input, [N, D]). */
public final class FeatureBatches implements BatchSource {
    private final float[][] features;
    private final String input;

    public FeatureBatches(float[][] features, String input) {
        this.features = features;
        this.input = input;
    }

    @Override
    public int size() {
        return features.length;
    }

    @Override
    public Map<String, HostTensor> inputs(int[] indices, boolean training, long seed) {
        int d = features.length == 0 ? 0 : features[0].length;
        float[] v = new float[indices.length * d];
        for (int r = 0; r < indices.length; r++) {
            System.arraycopy(features[indices[r]], 0, v, r * d, d);
        }
        return Map.of(input, HostTensor.of(v, indices.length, d));
    }
}
