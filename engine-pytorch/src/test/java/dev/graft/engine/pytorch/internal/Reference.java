package dev.graft.engine.pytorch.internal;

/** Plain-Java reference implementations of the ops whose layout or padding rules are subtle. */
final class Reference {
    private Reference() {
    }

    /** SAME/VALID/EXPLICIT padding {before, after} of one axis, as Op.java and TensorFlow define it. */
    static int[] pads(String padding, int[] explicit, int axis, int in, int k, int stride, int dil) {
        if (padding.equals("VALID")) {
            return new int[] {0, 0};
        }
        if (padding.equals("EXPLICIT")) {
            return new int[] {explicit[2 * axis], explicit[2 * axis + 1]};
        }
        int eff = (k - 1) * dil + 1;
        int out = (in + stride - 1) / stride;
        int total = Math.max((out - 1) * stride + eff - in, 0);
        return new int[] {total / 2, total - total / 2};
    }

    static int outSize(int in, int[] pad, int k, int stride, int dil) {
        int eff = (k - 1) * dil + 1;
        return (in + pad[0] + pad[1] - eff) / stride + 1;
    }

    /** x NHWC [n,h,w,c], kernel HWIO [kh,kw,c/groups,o]; returns NHWC. */
    static float[] conv2d(float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int o, int[] strides,
            int[] dil, int groups, String padding, int[] explicit, int[] outShape) {
        int[] ph = pads(padding, explicit, 0, h, kh, strides[0], dil[0]);
        int[] pw = pads(padding, explicit, 1, w, kw, strides[1], dil[1]);
        int oh = outSize(h, ph, kh, strides[0], dil[0]);
        int ow = outSize(w, pw, kw, strides[1], dil[1]);
        int cin = c / groups;
        int cout = o / groups;
        float[] y = new float[n * oh * ow * o];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int oc = 0; oc < o; oc++) {
                        int g = oc / cout;
                        double s = 0;
                        for (int di = 0; di < kh; di++) {
                            int r = i * strides[0] - ph[0] + di * dil[0];
                            if (r < 0 || r >= h) {
                                continue;
                            }
                            for (int dj = 0; dj < kw; dj++) {
                                int col = j * strides[1] - pw[0] + dj * dil[1];
                                if (col < 0 || col >= w) {
                                    continue;
                                }
                                for (int ic = 0; ic < cin; ic++) {
                                    s += x[((b * h + r) * w + col) * c + g * cin + ic]
                                            * k[((di * kw + dj) * cin + ic) * o + oc];
                                }
                            }
                        }
                        y[((b * oh + i) * ow + j) * o + oc] = (float) s;
                    }
                }
            }
        }
        outShape[0] = n;
        outShape[1] = oh;
        outShape[2] = ow;
        outShape[3] = o;
        return y;
    }

    /** Max or average pooling of NHWC; SAME averages the valid cells only. */
    static float[] pool(float[] x, int n, int h, int w, int c, int[] win, int[] strides, String padding, boolean max,
            int[] outShape) {
        int[] ph = pads(padding, null, 0, h, win[0], strides[0], 1);
        int[] pw = pads(padding, null, 1, w, win[1], strides[1], 1);
        int oh = outSize(h, ph, win[0], strides[0], 1);
        int ow = outSize(w, pw, win[1], strides[1], 1);
        float[] y = new float[n * oh * ow * c];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int di = 0; di < win[0]; di++) {
                            int r = i * strides[0] - ph[0] + di;
                            for (int dj = 0; dj < win[1]; dj++) {
                                int col = j * strides[1] - pw[0] + dj;
                                if (r < 0 || r >= h || col < 0 || col >= w) {
                                    continue;
                                }
                                float v = x[((b * h + r) * w + col) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        y[((b * oh + i) * ow + j) * c + ch] = (float) (max ? acc : acc / count);
                    }
                }
            }
        }
        outShape[0] = n;
        outShape[1] = oh;
        outShape[2] = ow;
        outShape[3] = c;
        return y;
    }
}
