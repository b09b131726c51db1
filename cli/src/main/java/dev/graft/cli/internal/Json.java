package dev.graft.cli.internal;

import dev.graft.core.model.Prediction;
import java.util.Locale;
import java.util.Map;

/** One JSON object per prediction, for JSON-lines output. */
final class Json {
    private Json() {
    }

    static String line(Prediction p, String input) {
        StringBuilder sb = new StringBuilder("{\"source\":").append(str(p.source()));
        if (input != null) {
            sb.append(",\"input\":").append(str(input));
        }
        sb.append(",\"label\":").append(str(p.label())).append(",\"scores\":{");
        boolean first = true;
        for (Map.Entry<String, Double> e : p.scores().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            double v = e.getValue();
            sb.append(str(e.getKey())).append(':').append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null");
        }
        return sb.append("}}").toString();
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
