package dev.graft.nlp;

import dev.graft.engine.spi.HostTensor;
import java.util.List;
import java.util.Map;

/**
 * A plain-Java, double-precision BERT forward pass written straight from the paper's equations, one
 * example at a time, with no padding rows: the independent check for {@link BertEncoder}.
 */
final class BertReference {
    private final BertConfig c;
    private final Map<String, HostTensor> w;
    private final String p;

    BertReference(BertConfig c, Map<String, HostTensor> weights, String prefix) {
        this.c = c;
        this.w = weights;
        this.p = prefix.isEmpty() ? "" : prefix + ".";
    }

    /** Result for one sequence: pooled [H] and sequence [T][H]. */
    record Out(double[] pooled, double[][] sequence) {
    }

    Out forward(BertBatch.Sequence s) {
        int t = s.ids().length;
        int h = c.hidden();
        double[][] x = new double[t][h];
        for (int i = 0; i < t; i++) {
            int pos = c.positionOffset() == 0 ? i : c.positionOffset() + i;
            for (int d = 0; d < h; d++) {
                x[i][d] = get("embeddings.word.embeddings", s.ids()[i] * h + d)
                        + get("embeddings.position.embeddings", pos * h + d)
                        + get("embeddings.token_type.embeddings", s.typeIds()[i] * h + d);
            }
        }
        x = norm(x, "embeddings.norm");
        for (int l = 0; l < c.layers(); l++) {
            String lp = "encoder.layer_" + l + ".";
            double[][] q = dense(x, lp + "attention.query");
            double[][] k = dense(x, lp + "attention.key");
            double[][] v = dense(x, lp + "attention.value");
            int dh = c.headSize();
            double[][] ctx = new double[t][h];
            for (int head = 0; head < c.heads(); head++) {
                for (int i = 0; i < t; i++) {
                    double[] sc = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        double dot = 0;
                        for (int d = 0; d < dh; d++) {
                            dot += q[i][head * dh + d] * k[j][head * dh + d];
                        }
                        sc[j] = dot / Math.sqrt(dh);
                        max = Math.max(max, sc[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < t; j++) {
                        sc[j] = Math.exp(sc[j] - max);
                        z += sc[j];
                    }
                    for (int j = 0; j < t; j++) {
                        for (int d = 0; d < dh; d++) {
                            ctx[i][head * dh + d] += sc[j] / z * v[j][head * dh + d];
                        }
                    }
                }
            }
            x = norm(add(dense(ctx, lp + "attention.output"), x), lp + "attention.norm");
            double[][] inner = dense(x, lp + "ffn.intermediate");
            for (double[] row : inner) {
                for (int d = 0; d < row.length; d++) {
                    row[d] = act(row[d]);
                }
            }
            x = norm(add(dense(inner, lp + "ffn.output"), x), lp + "ffn.norm");
        }
        double[] pooled = dense(new double[][] {x[0]}, "pooler")[0];
        for (int d = 0; d < h; d++) {
            pooled[d] = Math.tanh(pooled[d]);
        }
        return new Out(pooled, x);
    }

    List<Out> forward(List<BertBatch.Sequence> batch) {
        return batch.stream().map(this::forward).toList();
    }

    private double act(double v) {
        return switch (c.activation()) {
            case GELU -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        };
    }

    /** erf to ~1e-15 by its Taylor series (|x| < 3) or continued fraction (otherwise). */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -ax * ax / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (ax + f);
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }

    private double[][] dense(double[][] x, String name) {
        HostTensor k = w.get(p + name + ".kernel");
        int in = (int) k.shape().dim(0);
        int out = (int) k.shape().dim(1);
        float[] kv = k.floats();
        float[] bv = w.get(p + name + ".bias").floats();
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = bv[o];
                for (int j = 0; j < in; j++) {
                    s += x[i][j] * kv[j * out + o];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    private double[][] norm(double[][] x, String name) {
        float[] g = w.get(p + name + ".gamma").floats();
        float[] b = w.get(p + name + ".beta").floats();
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (double v : x[i]) {
                mean += v;
            }
            mean /= x[i].length;
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[i].length;
            y[i] = new double[x[i].length];
            for (int d = 0; d < x[i].length; d++) {
                y[i][d] = (x[i][d] - mean) / Math.sqrt(var + c.layerNormEps()) * g[d] + b[d];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int d = 0; d < a[i].length; d++) {
                y[i][d] = a[i][d] + b[i][d];
            }
        }
        return y;
    }

    private double get(String name, int index) {
        return w.get(p + name).getFloat(index);
    }
}
