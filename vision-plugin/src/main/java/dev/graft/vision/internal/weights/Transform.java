package dev.graft.vision.internal.weights;

import java.util.Arrays;

/** A layout change from a file's tensor to a Graft parameter. */
public enum Transform {
    IDENTITY,
    /** PyTorch convolution weight [O, I, H, W] to HWIO. */
    OIHW_TO_HWIO,
    /** PyTorch linear weight [out, in] to [in, out]. */
    TRANSPOSE,
    /**
     * PyTorch linear weight [out, C*H*W] reading a flattened NCHW map, to [H*W*C, out] reading a
     * flattened NHWC map; needs the channel count.
     */
    CHW_ROWS_TO_HWC;

    /** The shape the tensor has after the change. */
    public long[] apply(long[] s) {
        return switch (this) {
            case IDENTITY -> s.clone();
            case OIHW_TO_HWIO -> s.length == 4 ? new long[] {s[2], s[3], s[1], s[0]} : s.clone();
            case TRANSPOSE, CHW_ROWS_TO_HWC -> s.length == 2 ? new long[] {s[1], s[0]} : s.clone();
        };
    }

    /** Rearranges values of a tensor with source shape {@code s}. */
    public float[] apply(float[] v, long[] s, long channels) {
        switch (this) {
            case IDENTITY:
                return v;
            case OIHW_TO_HWIO: {
                int o = (int) s[0], in = (int) s[1], h = (int) s[2], w = (int) s[3];
                float[] out = new float[v.length];
                for (int a = 0; a < o; a++) {
                    for (int b = 0; b < in; b++) {
                        for (int y = 0; y < h; y++) {
                            for (int x = 0; x < w; x++) {
                                out[((y * w + x) * in + b) * o + a] = v[((a * in + b) * h + y) * w + x];
                            }
                        }
                    }
                }
                return out;
            }
            case TRANSPOSE: {
                int r = (int) s[0], c = (int) s[1];
                float[] out = new float[v.length];
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < c; j++) {
                        out[j * r + i] = v[i * c + j];
                    }
                }
                return out;
            }
            case CHW_ROWS_TO_HWC: {
                int r = (int) s[0], n = (int) s[1], ch = (int) channels, hw = n / ch;
                float[] out = new float[v.length];
                for (int i = 0; i < r; i++) {
                    for (int c = 0; c < ch; c++) {
                        for (int p = 0; p < hw; p++) {
                            out[(p * ch + c) * r + i] = v[i * n + c * hw + p];
                        }
                    }
                }
                return out;
            }
            default:
                throw new IllegalStateException(this + " " + Arrays.toString(s));
        }
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}
