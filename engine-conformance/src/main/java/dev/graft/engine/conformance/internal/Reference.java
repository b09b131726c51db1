package dev.graft.engine.conformance.internal;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Plain-Java, double-precision reference implementations of the op set, written from the op
 * definitions in {@code dev.graft.engine.spi.graph.Op} (NHWC, HWIO kernels) and the textbook
 * formulas, independently of any engine. Loops are naive on purpose: they are easy to read.
 */
final class Reference {
    private Reference() {
    }

    static Arr matmul(Arr a, Arr b, boolean ta, boolean tb) {
        int m = ta ? a.dim(1) : a.dim(0);
        int k = ta ? a.dim(0) : a.dim(1);
        int n = tb ? b.dim(0) : b.dim(1);
        Arr out = Arr.zeros(m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) {
                    s += (ta ? a.get(t, i) : a.get(i, t)) * (tb ? b.get(j, t) : b.get(t, j));
                }
                out.set(s, i, j);
            }
        }
        return out;
    }

    static Arr batchMatmul(Arr a, Arr b, boolean ta, boolean tb) {
        int r = a.rank();
        int batch = 1;
        for (int i = 0; i < r - 2; i++) {
            batch *= a.dim(i);
        }
        int am = a.dim(-2);
        int ak = a.dim(-1);
        int bm = b.dim(-2);
        int bk = b.dim(-1);
        int m = ta ? ak : am;
        int n = tb ? bm : bk;
        int[] outShape = a.shape.clone();
        outShape[r - 2] = m;
        outShape[r - 1] = n;
        Arr out = Arr.zeros(outShape);
        for (int q = 0; q < batch; q++) {
            Arr x = Arr.of(Arrays.copyOfRange(a.v, q * am * ak, (q + 1) * am * ak), am, ak);
            Arr y = Arr.of(Arrays.copyOfRange(b.v, q * bm * bk, (q + 1) * bm * bk), bm, bk);
            Arr z = matmul(x, y, ta, tb);
            System.arraycopy(z.v, 0, out.v, q * m * n, m * n);
        }
        return out;
    }

    /** Output size and leading pad of one spatial axis (TensorFlow's SAME rule puts the extra pad after). */
    static int[] axis(int in, int k, int stride, int dil, String padding, int padBefore, int padAfter) {
        int eff = (k - 1) * dil + 1;
        return switch (padding) {
            case "VALID" -> new int[] {(in - eff) / stride + 1, 0};
            case "SAME" -> {
                int out = (in + stride - 1) / stride;
                int total = Math.max((out - 1) * stride + eff - in, 0);
                yield new int[] {out, total / 2};
            }
            case "EXPLICIT" -> new int[] {(in + padBefore + padAfter - eff) / stride + 1, padBefore};
            default -> throw new IllegalArgumentException(padding);
        };
    }

    /** x NHWC, k HWIO with I = C / groups. pads = {top, bottom, left, right} for EXPLICIT. */
    static Arr conv2d(Arr x, Arr k, int[] s, String padding, int[] pads, int[] d, int groups) {
        int n = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int kh = k.dim(0);
        int kw = k.dim(1);
        int cg = k.dim(2);
        int o = k.dim(3);
        int og = o / groups;
        int[] ah = axis(h, kh, s[0], d[0], padding, pads == null ? 0 : pads[0], pads == null ? 0 : pads[1]);
        int[] aw = axis(w, kw, s[1], d[1], padding, pads == null ? 0 : pads[2], pads == null ? 0 : pads[3]);
        Arr out = Arr.zeros(n, ah[0], aw[0], o);
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < ah[0]; oy++) {
                for (int ox = 0; ox < aw[0]; ox++) {
                    for (int oc = 0; oc < o; oc++) {
                        int g = oc / og;
                        double acc = 0;
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = oy * s[0] - ah[1] + ky * d[0];
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = ox * s[1] - aw[1] + kx * d[1];
                                if (ix < 0 || ix >= w) {
                                    continue;
                                }
                                for (int ci = 0; ci < cg; ci++) {
                                    acc += x.get(b, iy, ix, g * cg + ci) * k.get(ky, kx, ci, oc);
                                }
                            }
                        }
                        out.set(acc, b, oy, ox, oc);
                    }
                }
            }
        }
        return out;
    }

    /** Max or average pooling; padded cells never count (SAME averages the valid cells only). */
    static Arr pool(Arr x, int[] win, int[] s, String padding, boolean max) {
        int n = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int c = x.dim(3);
        int[] ah = axis(h, win[0], s[0], 1, padding, 0, 0);
        int[] aw = axis(w, win[1], s[1], 1, padding, 0, 0);
        Arr out = Arr.zeros(n, ah[0], aw[0], c);
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < ah[0]; oy++) {
                for (int ox = 0; ox < aw[0]; ox++) {
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int ky = 0; ky < win[0]; ky++) {
                            for (int kx = 0; kx < win[1]; kx++) {
                                int iy = oy * s[0] - ah[1] + ky;
                                int ix = ox * s[1] - aw[1] + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                    continue;
                                }
                                double val = x.get(b, iy, ix, ch);
                                acc = max ? Math.max(acc, val) : acc + val;
                                count++;
                            }
                        }
                        out.set(max ? acc : acc / count, b, oy, ox, ch);
                    }
                }
            }
        }
        return out;
    }

    static Arr globalPool(Arr x, boolean max) {
        return reduce(x, new int[] {1, 2}, false, max ? Reduce.MAX : Reduce.MEAN);
    }

    /** Per-channel (last axis) mean and biased variance over every other axis. */
    static double[][] moments(Arr x) {
        int c = x.dim(-1);
        int m = x.size() / c;
        double[] mean = new double[c];
        double[] var = new double[c];
        for (int i = 0; i < x.size(); i++) {
            mean[i % c] += x.v[i] / m;
        }
        for (int i = 0; i < x.size(); i++) {
            double dlt = x.v[i] - mean[i % c];
            var[i % c] += dlt * dlt / m;
        }
        return new double[][] {mean, var};
    }

    static Arr normalize(Arr x, double[] mean, double[] var, Arr gamma, Arr beta, double eps) {
        int c = x.dim(-1);
        Arr out = Arr.zeros(x.shape);
        for (int i = 0; i < x.size(); i++) {
            int ch = i % c;
            out.v[i] = (x.v[i] - mean[ch]) / Math.sqrt(var[ch] + eps) * gamma.v[ch] + beta.v[ch];
        }
        return out;
    }

    static Arr batchNormInference(Arr x, Arr gamma, Arr beta, Arr mm, Arr mv, double eps) {
        return normalize(x, mm.v, mv.v, gamma, beta, eps);
    }

    static Arr batchNormTraining(Arr x, Arr gamma, Arr beta, double eps) {
        double[][] mv = moments(x);
        return normalize(x, mv[0], mv[1], gamma, beta, eps);
    }

    /** New moving mean and moving variance (unbiased batch variance) after one training step. */
    static Arr[] movingStatistics(Arr x, Arr mm, Arr mv, double momentum) {
        double[][] st = moments(x);
        int m = x.size() / x.dim(-1);
        Arr nm = mm.copy();
        Arr nv = mv.copy();
        for (int ch = 0; ch < nm.size(); ch++) {
            nm.v[ch] = mm.v[ch] * momentum + st[0][ch] * (1 - momentum);
            nv.v[ch] = mv.v[ch] * momentum + st[1][ch] * m / (m - 1.0) * (1 - momentum);
        }
        return new Arr[] {nm, nv};
    }

    static Arr layerNorm(Arr x, Arr gamma, Arr beta, double eps) {
        int c = x.dim(-1);
        Arr out = Arr.zeros(x.shape);
        for (int row = 0; row < x.size() / c; row++) {
            double mean = 0;
            for (int j = 0; j < c; j++) {
                mean += x.v[row * c + j] / c;
            }
            double var = 0;
            for (int j = 0; j < c; j++) {
                double dd = x.v[row * c + j] - mean;
                var += dd * dd / c;
            }
            for (int j = 0; j < c; j++) {
                out.v[row * c + j] = (x.v[row * c + j] - mean) / Math.sqrt(var + eps) * gamma.v[j] + beta.v[j];
            }
        }
        return out;
    }

    static Arr embedding(Arr table, Arr ids) {
        int dim = table.dim(1);
        int[] shape = Arrays.copyOf(ids.shape, ids.rank() + 1);
        shape[ids.rank()] = dim;
        Arr out = Arr.zeros(shape);
        for (int i = 0; i < ids.size(); i++) {
            int row = (int) ids.v[i];
            System.arraycopy(table.v, row * dim, out.v, i * dim, dim);
        }
        return out;
    }

    /** Numpy-style broadcasting of a binary function. */
    static Arr broadcast(Arr a, Arr b, DoubleBinaryOperator f) {
        int r = Math.max(a.rank(), b.rank());
        int[] sa = pad(a.shape, r);
        int[] sb = pad(b.shape, r);
        int[] so = new int[r];
        for (int i = 0; i < r; i++) {
            if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1) {
                throw new IllegalArgumentException("not broadcastable");
            }
            so[i] = Math.max(sa[i], sb[i]);
        }
        Arr out = Arr.zeros(so);
        Arr ap = new Arr(sa, a.v);
        Arr bp = new Arr(sb, b.v);
        int[] ia = new int[r];
        int[] ib = new int[r];
        for (int flat = 0; flat < out.size(); flat++) {
            int[] idx = out.index(flat);
            for (int i = 0; i < r; i++) {
                ia[i] = sa[i] == 1 ? 0 : idx[i];
                ib[i] = sb[i] == 1 ? 0 : idx[i];
            }
            out.v[flat] = f.applyAsDouble(ap.get(ia), bp.get(ib));
        }
        return out;
    }

    private static int[] pad(int[] s, int r) {
        int[] o = new int[r];
        Arrays.fill(o, 1);
        System.arraycopy(s, 0, o, r - s.length, s.length);
        return o;
    }

    static Arr map(Arr a, DoubleUnaryOperator f) {
        Arr out = Arr.zeros(a.shape);
        for (int i = 0; i < a.size(); i++) {
            out.v[i] = f.applyAsDouble(a.v[i]);
        }
        return out;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** erf by its Maclaurin series (|x| < 4, double precision to ~1e-12 there); +-1 beyond (|erf - 1| < 2e-8). */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 4) {
            return Math.signum(x);
        }
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
            term *= -ax * ax / n;
            sum += term / (2 * n + 1);
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }

    /** Softmax (or log-softmax) along {@code axis}. */
    static Arr softmax(Arr x, int axis, boolean log) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        int[] st = x.strides();
        int len = x.dim(ax);
        Arr out = Arr.zeros(x.shape);
        for (int flat = 0; flat < x.size(); flat++) {
            if (x.index(flat)[ax] != 0) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                max = Math.max(max, x.v[flat + j * st[ax]]);
            }
            double sum = 0;
            for (int j = 0; j < len; j++) {
                sum += Math.exp(x.v[flat + j * st[ax]] - max);
            }
            for (int j = 0; j < len; j++) {
                double z = x.v[flat + j * st[ax]] - max;
                out.v[flat + j * st[ax]] = log ? z - Math.log(sum) : Math.exp(z) / sum;
            }
        }
        return out;
    }

    static Arr reshape(Arr x, int... shape) {
        int known = 1;
        int unknown = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                unknown = i;
            } else {
                known *= shape[i];
            }
        }
        int[] s = shape.clone();
        if (unknown >= 0) {
            s[unknown] = x.size() / known;
        }
        return new Arr(s, x.v.clone());
    }

    /** Running sum along {@code axis}; exclusive sums start at 0 and leave out the element itself. */
    static Arr cumsum(Arr x, int axis, boolean exclusive) {
        int ax = axis < 0 ? axis + x.shape.length : axis;
        Arr out = Arr.zeros(x.shape);
        for (int flat = 0; flat < out.size(); flat++) {
            int[] idx = out.index(flat);
            int upTo = idx[ax];
            double sum = 0;
            for (int k = 0; k <= upTo - (exclusive ? 1 : 0); k++) {
                idx[ax] = k;
                sum += x.get(idx);
            }
            out.v[flat] = sum;
        }
        return out;
    }

    static Arr transpose(Arr x, int... perm) {
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = x.dim(perm[i]);
        }
        Arr out = Arr.zeros(s);
        int[] src = new int[perm.length];
        for (int flat = 0; flat < out.size(); flat++) {
            int[] idx = out.index(flat);
            for (int i = 0; i < perm.length; i++) {
                src[perm[i]] = idx[i];
            }
            out.v[flat] = x.get(src);
        }
        return out;
    }

    static Arr concat(int axis, Arr... xs) {
        int[] s = xs[0].shape.clone();
        s[axis] = 0;
        for (Arr x : xs) {
            s[axis] += x.dim(axis);
        }
        Arr out = Arr.zeros(s);
        int offset = 0;
        for (Arr x : xs) {
            for (int flat = 0; flat < x.size(); flat++) {
                int[] idx = x.index(flat);
                idx[axis] += offset;
                out.set(x.v[flat], idx);
            }
            offset += x.dim(axis);
        }
        return out;
    }

    static Arr slice(Arr x, int[] begin, int[] size) {
        int[] s = new int[x.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = size[i] == -1 ? x.dim(i) - begin[i] : size[i];
        }
        Arr out = Arr.zeros(s);
        for (int flat = 0; flat < out.size(); flat++) {
            int[] idx = out.index(flat);
            for (int i = 0; i < idx.length; i++) {
                idx[i] += begin[i];
            }
            out.v[flat] = x.get(idx);
        }
        return out;
    }

    static Arr pad(Arr x, int[] paddings, double value) {
        int[] s = x.shape.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] += paddings[2 * i] + paddings[2 * i + 1];
        }
        Arr out = Arr.zeros(s);
        Arrays.fill(out.v, value);
        for (int flat = 0; flat < x.size(); flat++) {
            int[] idx = x.index(flat);
            for (int i = 0; i < idx.length; i++) {
                idx[i] += paddings[2 * i];
            }
            out.set(x.v[flat], idx);
        }
        return out;
    }

    enum Reduce { SUM, MEAN, MAX }

    static Arr reduce(Arr x, int[] axes, boolean keepDims, Reduce kind) {
        boolean[] red = new boolean[x.rank()];
        for (int a : axes) {
            red[a < 0 ? a + x.rank() : a] = true;
        }
        int[] kept = new int[x.rank()];
        int count = 1;
        for (int i = 0; i < x.rank(); i++) {
            kept[i] = red[i] ? 1 : x.dim(i);
            count *= red[i] ? x.dim(i) : 1;
        }
        Arr acc = Arr.zeros(kept);
        if (kind == Reduce.MAX) {
            Arrays.fill(acc.v, Double.NEGATIVE_INFINITY);
        }
        int[] tgt = new int[x.rank()];
        for (int flat = 0; flat < x.size(); flat++) {
            int[] idx = x.index(flat);
            for (int i = 0; i < idx.length; i++) {
                tgt[i] = red[i] ? 0 : idx[i];
            }
            int o = acc.offset(tgt);
            acc.v[o] = kind == Reduce.MAX ? Math.max(acc.v[o], x.v[flat]) : acc.v[o] + x.v[flat];
        }
        if (kind == Reduce.MEAN) {
            for (int i = 0; i < acc.size(); i++) {
                acc.v[i] /= count;
            }
        }
        if (keepDims) {
            return acc;
        }
        int[] s = Arrays.stream(kept).toArray();
        int n = 0;
        for (int i = 0; i < x.rank(); i++) {
            if (!red[i]) {
                s[n++] = x.dim(i);
            }
        }
        return new Arr(Arrays.copyOf(s, n), acc.v);
    }

    /** Mean over the batch of -sum(labels * log_softmax(logits)); int labels are class indices. */
    static double softmaxCrossEntropy(Arr logits, Arr labels, boolean intLabels) {
        Arr ls = softmax(logits, 1, true);
        int n = logits.dim(0);
        int c = logits.dim(1);
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double y = intLabels ? ((int) labels.v[i] == j ? 1 : 0) : labels.get(i, j);
                total -= y * ls.get(i, j);
            }
        }
        return total / n;
    }

    /** Mean over all elements of -[z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))]. */
    static double binaryCrossEntropy(Arr logits, Arr targets) {
        double total = 0;
        for (int i = 0; i < logits.size(); i++) {
            double x = logits.v[i];
            double z = targets.v[i];
            double p = sigmoid(x);
            total -= z * Math.log(p) + (1 - z) * Math.log(1 - p);
        }
        return total / logits.size();
    }

    static double meanSquaredError(Arr p, Arr t) {
        double total = 0;
        for (int i = 0; i < p.size(); i++) {
            double d = p.v[i] - t.v[i];
            total += d * d;
        }
        return total / p.size();
    }

    static Arr scalar(double v) {
        return Arr.of(new double[] {v});
    }
}
