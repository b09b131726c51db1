package dev.graft.reliability.support;

import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded synthetic data: Gaussian clusters around fixed class centres. */
public final class Clusters {
    private Clusters() {
    }

    public static List<Example> of(int classes, int perClass, int dims, long seed) {
        Random centres = new Random(99);
        float[][] c = new float[classes][dims];
        for (float[] row : c) {
            for (int j = 0; j < dims; j++) {
                row[j] = (float) (centres.nextGaussian() * 2);
            }
        }
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int k = 0; k < classes; k++) {
                float[] x = new float[dims];
                for (int j = 0; j < dims; j++) {
                    x[j] = c[k][j] + (float) r.nextGaussian();
                }
                out.add(new Example("clusters:" + out.size(), x, "class" + k));
            }
        }
        return out;
    }
}
