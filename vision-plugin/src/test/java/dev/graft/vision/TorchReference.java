package dev.graft.vision;

import java.util.Map;
import java.util.Random;
import java.util.LinkedHashMap;

/**
 * An independent plain-Java forward pass of ResNet and VGG in PyTorch's layout (NCHW activations,
 * OIHW kernels, [out, in] linear weights, torchvision parameter names), used as the reference the
 * imported networks are checked against. Also makes random torchvision-style weights.
 */
public final class TorchReference {
    private final Map<String, float[]> w;

    public TorchReference(Map<String, float[]> torchWeights) {
        this.w = torchWeights;
    }

    /** A feature map: c x h x w. */
    public record Map3(int c, int h, int w, float[] v) {
        float at(int ch, int y, int x) {
            return v[(ch * h + y) * this.w + x];
        }
    }

    public static Map3 fromNhwc(float[] nhwc, int n, int h, int w, int c) {
        float[] v = new float[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    v[(ch * h + y) * w + x] = nhwc[(int) ((((long) n * h + y) * w + x) * c + ch)];
                }
            }
        }
        return new Map3(c, h, w, v);
    }

    Map3 conv(Map3 x, String name, int out, int k, int stride, int pad, boolean bias) {
        float[] wt = w.get(name + ".weight");
        float[] b = bias ? w.get(name + ".bias") : null;
        int oh = (x.h() + 2 * pad - k) / stride + 1;
        int ow = (x.w() + 2 * pad - k) / stride + 1;
        float[] o = new float[out * oh * ow];
        for (int oc = 0; oc < out; oc++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    double s = b == null ? 0 : b[oc];
                    for (int ic = 0; ic < x.c(); ic++) {
                        for (int ky = 0; ky < k; ky++) {
                            int iy = y * stride - pad + ky;
                            if (iy < 0 || iy >= x.h()) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ix = xx * stride - pad + kx;
                                if (ix < 0 || ix >= x.w()) {
                                    continue;
                                }
                                s += (double) wt[((oc * x.c() + ic) * k + ky) * k + kx] * x.at(ic, iy, ix);
                            }
                        }
                    }
                    o[(oc * oh + y) * ow + xx] = (float) s;
                }
            }
        }
        return new Map3(out, oh, ow, o);
    }

    Map3 bn(Map3 x, String name, double eps) {
        float[] g = w.get(name + ".weight");
        float[] be = w.get(name + ".bias");
        float[] m = w.get(name + ".running_mean");
        float[] var = w.get(name + ".running_var");
        float[] o = new float[x.v().length];
        int hw = x.h() * x.w();
        for (int c = 0; c < x.c(); c++) {
            double inv = 1 / Math.sqrt(var[c] + eps);
            for (int i = 0; i < hw; i++) {
                o[c * hw + i] = (float) ((x.v()[c * hw + i] - m[c]) * inv * g[c] + be[c]);
            }
        }
        return new Map3(x.c(), x.h(), x.w(), o);
    }

    static Map3 relu(Map3 x) {
        float[] o = x.v().clone();
        for (int i = 0; i < o.length; i++) {
            o[i] = Math.max(0, o[i]);
        }
        return new Map3(x.c(), x.h(), x.w(), o);
    }

    static Map3 add(Map3 a, Map3 b) {
        float[] o = a.v().clone();
        for (int i = 0; i < o.length; i++) {
            o[i] += b.v()[i];
        }
        return new Map3(a.c(), a.h(), a.w(), o);
    }

    /** PyTorch max pooling: padding counts as -infinity. */
    static Map3 maxPool(Map3 x, int k, int stride, int pad) {
        int oh = (x.h() + 2 * pad - k) / stride + 1;
        int ow = (x.w() + 2 * pad - k) / stride + 1;
        float[] o = new float[x.c() * oh * ow];
        for (int c = 0; c < x.c(); c++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y * stride - pad + ky;
                            int ix = xx * stride - pad + kx;
                            if (iy >= 0 && iy < x.h() && ix >= 0 && ix < x.w()) {
                                m = Math.max(m, x.at(c, iy, ix));
                            }
                        }
                    }
                    o[(c * oh + y) * ow + xx] = m;
                }
            }
        }
        return new Map3(x.c(), oh, ow, o);
    }

    static float[] globalAvg(Map3 x) {
        float[] o = new float[x.c()];
        int hw = x.h() * x.w();
        for (int c = 0; c < x.c(); c++) {
            double s = 0;
            for (int i = 0; i < hw; i++) {
                s += x.v()[c * hw + i];
            }
            o[c] = (float) (s / hw);
        }
        return o;
    }

    float[] linear(float[] x, String name, int out) {
        float[] wt = w.get(name + ".weight");
        float[] b = w.get(name + ".bias");
        float[] o = new float[out];
        for (int i = 0; i < out; i++) {
            double s = b[i];
            for (int j = 0; j < x.length; j++) {
                s += (double) wt[i * x.length + j] * x[j];
            }
            o[i] = (float) s;
        }
        return o;
    }

    /** ResNet pooled features (classes = 0) or logits. */
    public float[] resnet(ResNetConfig c, Map3 img, int classes) {
        boolean bias = c.convBias();
        Map3 x = relu(bn(conv(img, "conv1", c.width(), 7, 2, 3, bias), "bn1", c.bnEpsilon()));
        x = maxPool(x, 3, 2, 1);
        for (int s = 0; s < 4; s++) {
            int planes = c.width() << s;
            for (int i = 0; i < c.depths().get(s); i++) {
                int stride = s > 0 && i == 0 ? 2 : 1;
                String p = "layer" + (s + 1) + "." + i + ".";
                Map3 y;
                int out;
                if (c.bottleneck()) {
                    out = planes * 4;
                    int s1 = c.strideOnFirst1x1() ? stride : 1;
                    int s3 = c.strideOnFirst1x1() ? 1 : stride;
                    y = relu(bn(conv(x, p + "conv1", planes, 1, s1, 0, bias), p + "bn1", c.bnEpsilon()));
                    y = relu(bn(conv(y, p + "conv2", planes, 3, s3, 1, bias), p + "bn2", c.bnEpsilon()));
                    y = bn(conv(y, p + "conv3", out, 1, 1, 0, bias), p + "bn3", c.bnEpsilon());
                } else {
                    out = planes;
                    y = relu(bn(conv(x, p + "conv1", planes, 3, stride, 1, bias), p + "bn1", c.bnEpsilon()));
                    y = bn(conv(y, p + "conv2", planes, 3, 1, 1, bias), p + "bn2", c.bnEpsilon());
                }
                Map3 sc = x;
                if (stride != 1 || x.c() != out) {
                    sc = bn(conv(x, p + "downsample.0", out, 1, stride, 0, bias), p + "downsample.1", c.bnEpsilon());
                }
                x = relu(add(y, sc));
            }
        }
        float[] f = globalAvg(x);
        return classes == 0 ? f : linear(f, "fc", classes);
    }

    /** VGG pooled features (classes = 0) or logits through the torchvision classifier (flatten C, H, W). */
    public float[] vgg(VggConfig c, Map3 img, int classes) {
        Map3 x = img;
        int idx = 0;
        for (int blk = 0; blk < 5; blk++) {
            for (int j = 0; j < c.convs().get(blk); j++) {
                x = conv(x, "features." + idx, c.channels(blk), 3, 1, 1, true);
                if (c.batchNorm()) {
                    x = bn(x, "features." + (idx + 1), 1e-5);
                }
                x = relu(x);
                idx += c.batchNorm() ? 3 : 2;
            }
            x = maxPool(x, 2, 2, 0);
            idx++;
        }
        if (classes == 0) {
            return globalAvg(x);
        }
        float[] h = relu1(linear(x.v(), "classifier.0", c.width() * 64));
        h = relu1(linear(h, "classifier.3", c.width() * 64));
        return linear(h, "classifier.6", classes);
    }

    private static float[] relu1(float[] v) {
        float[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] = Math.max(0, o[i]);
        }
        return o;
    }

    /** Random torchvision-style weights (with BatchNorm statistics) for the given shapes. */
    public static Map<String, float[]> randomWeights(Map<String, long[]> shapes, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        shapes.forEach((name, s) -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            float[] v = new float[(int) n];
            double fanIn = s.length == 4 ? s[1] * s[2] * s[3] : s.length == 2 ? s[1] : 1;
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith("running_var")) {
                    v[i] = 0.5f + r.nextFloat();
                } else if (name.endsWith("running_mean") || name.endsWith(".bias")) {
                    v[i] = (float) (r.nextGaussian() * 0.1);
                } else if (s.length == 1) {
                    v[i] = 0.5f + r.nextFloat();
                } else {
                    v[i] = (float) (r.nextGaussian() * Math.sqrt(2 / fanIn));
                }
            }
            out.put(name, v);
        });
        return out;
    }
}
