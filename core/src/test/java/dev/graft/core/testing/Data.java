package dev.graft.core.testing;

import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic labelled data: Gaussian clusters around fixed class centres. */
public final class Data {
    private Data() {
    }

    public static List<Example> clusters(int classes, int perClass, int dims, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[classes][dims];
        Random c = new Random(12345);
        for (float[] ctr : centres) {
            for (int j = 0; j < dims; j++) {
                ctr[j] = (float) (c.nextGaussian() * 2);
            }
        }
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int k = 0; k < classes; k++) {
                float[] x = new float[dims];
                for (int j = 0; j < dims; j++) {
                    x[j] = centres[k][j] + (float) r.nextGaussian();
                }
                out.add(new Example("synthetic:" + seed + ":" + out.size(), x, "class" + k));
            }
        }
        return out;
    }
}
