package dev.graft.weights.internal.bundle;

import dev.graft.weights.internal.bundle.ProtoInput.Malformed;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TensorFlow 2's {@code TrackableObjectGraph}, as stored under {@code _CHECKPOINTABLE_OBJECT_GRAPH}:
 * nodes (field 1), each with attributes (field 2) that are {@code SerializedTensor}s carrying
 * {@code full_name} (2, the variable's own name) and {@code checkpoint_key} (3).
 */
public final class ObjectGraph {
    private ObjectGraph() {
    }

    /** Checkpoint key to variable name, for every attribute that has both. */
    public static Map<String, String> variableNames(byte[] graph) throws Malformed {
        Map<String, String> out = new LinkedHashMap<>();
        ProtoInput in = new ProtoInput(graph);
        while (!in.atEnd()) {
            long tag = in.tag();
            if ((tag >>> 3) != 1) {
                in.skip((int) (tag & 7));
                continue;
            }
            ProtoInput.expect(tag, ProtoInput.LENGTH_DELIMITED, "nodes");
            ProtoInput node = in.message();
            while (!node.atEnd()) {
                long t = node.tag();
                if ((t >>> 3) != 2) {
                    node.skip((int) (t & 7));
                    continue;
                }
                ProtoInput.expect(t, ProtoInput.LENGTH_DELIMITED, "nodes.attributes");
                ProtoInput attr = node.message();
                String fullName = "";
                String key = "";
                while (!attr.atEnd()) {
                    long a = attr.tag();
                    int field = (int) (a >>> 3);
                    if (field == 2 || field == 3) {
                        ProtoInput.expect(a, ProtoInput.LENGTH_DELIMITED, field == 2 ? "full_name" : "checkpoint_key");
                        String s = new String(attr.bytes(), StandardCharsets.UTF_8);
                        if (field == 2) {
                            fullName = s;
                        } else {
                            key = s;
                        }
                    } else {
                        attr.skip((int) (a & 7));
                    }
                }
                if (!fullName.isEmpty() && !key.isEmpty()) {
                    out.putIfAbsent(key, fullName);
                }
            }
        }
        return out;
    }
}
