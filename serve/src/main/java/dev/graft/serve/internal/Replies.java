package dev.graft.serve.internal;

import com.google.gson.stream.JsonWriter;
import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Task;
import java.io.IOException;
import java.io.StringWriter;
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

    /** JSON has no NaN: a non-finite score (a diverged model) is written as null. */
    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    private interface Body {
        void write(JsonWriter w) throws IOException;
    }

    private static String write(Body b) {
        StringWriter s = new StringWriter(256);
        try (JsonWriter w = new JsonWriter(s)) {
            w.setSerializeNulls(true);
            b.write(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }
}
