package dev.graft.serve.internal;

import com.google.gson.stream.JsonWriter;
import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Task;
import java.io.IOException;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Response bodies: Graft's (labels, probabilities, top k) and TensorFlow Serving's ({@code predictions}). */
final class Replies {
    private Replies() {
    }

    /** {@code {"model":..., "predictions":[{"label":..., "probabilities":{...}, "top_k":[...]}]}} */
    static String graft(String model, Task task, List<Prediction> preds, int topK) {
        return write(w -> {
            w.beginObject().name("model").value(model).name("predictions").beginArray();
            for (Prediction p : preds) {
                w.beginObject().name("label").value(p.label());
                w.name(task == Task.REGRESSION ? "values" : "probabilities").beginObject();
                for (Map.Entry<String, Double> e : p.scores().entrySet()) {
                    w.name(e.getKey()).value(finite(e.getValue()));
                }
                w.endObject();
                if (task != Task.REGRESSION) {
                    List<Map.Entry<String, Double>> ranked = new ArrayList<>(p.scores().entrySet());
                    // stable: equal probabilities keep label order
                    ranked.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
                    w.name("top_k").beginArray();
                    for (Map.Entry<String, Double> e : ranked.subList(0, Math.min(topK, ranked.size()))) {
                        w.beginObject().name("label").value(e.getKey()).name("probability").value(finite(e.getValue())).endObject();
                    }
                    w.endArray();
                }
                w.endObject();
            }
            w.endArray().endObject();
        });
    }

    /** {@code {"predictions": [[p0, p1, ...], ...]}}: one row per instance, in the model's label order. */
    static String tensorflow(List<Prediction> preds) {
        return write(w -> {
            w.beginObject().name("predictions").beginArray();
            for (Prediction p : preds) {
                w.beginArray();
                for (double d : p.scores().values()) {
                    w.value(finite(d));
                }
                w.endArray();
            }
            w.endArray().endObject();
        });
    }

    /** {@code {"error": "..."}}, TensorFlow Serving's error shape. */
    static String error(String message) {
        return write(w -> w.beginObject().name("error").value(message).endObject());
    }

    static String object(Map<String, ?> fields) {
        return write(w -> {
            w.beginObject();
            for (Map.Entry<String, ?> e : fields.entrySet()) {
                w.name(e.getKey());
                value(w, e.getValue());
            }
            w.endObject();
        });
    }

    private static void value(JsonWriter w, Object v) throws IOException {
        if (v == null) {
            w.nullValue();
        } else if (v instanceof Number n) {
            w.value(n);
        } else if (v instanceof Boolean b) {
            w.value(b);
        } else if (v instanceof Map<?, ?> m) {
            w.beginObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                w.name(String.valueOf(e.getKey()));
                value(w, e.getValue());
            }
            w.endObject();
        } else if (v instanceof Iterable<?> it) {
            w.beginArray();
            for (Object o : it) {
                value(w, o);
            }
            w.endArray();
        } else {
            w.value(v.toString());
        }
    }

    /**
     * A score as written: JSON has no NaN, so a non-finite one (a diverged model) is null; one that is a float (every
     * engine's output is) is written with a float's shortest digits ({@code 0.0312}, not the double
     * {@code 0.031199999153614044} it widens to): the same float read back, at half the digits to print and send.
     */
    static Number finite(double d) {
        if (!Double.isFinite(d)) {
            return null;
        }
        float f = (float) d;
        return f == d ? (Number) f : (Number) d;
    }

    private interface Body {
        void write(JsonWriter w) throws IOException;
    }

    private static String write(Body b) {
        Chars s = new Chars();
        try (JsonWriter w = new JsonWriter(s)) {
            w.setSerializeNulls(true);
            b.write(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    /** A writer into a {@link StringBuilder}: {@link java.io.StringWriter}'s buffer is a synchronized StringBuffer. */
    private static final class Chars extends Writer {
        private final StringBuilder sb = new StringBuilder(512);

        @Override
        public void write(char[] c, int off, int len) {
            sb.append(c, off, len);
        }

        @Override
        public void write(int c) {
            sb.append((char) c);
        }

        @Override
        public void write(String str, int off, int len) {
            sb.append(str, off, off + len);
        }

        @Override
        public Writer append(CharSequence csq) {
            sb.append(csq);
            return this;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
