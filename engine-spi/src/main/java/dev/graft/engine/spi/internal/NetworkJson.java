package dev.graft.engine.spi.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import dev.graft.engine.spi.graph.Attrs;
import dev.graft.engine.spi.graph.DefinitionException;
import dev.graft.engine.spi.graph.Initializer;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import dev.graft.engine.spi.graph.Op;
import dev.graft.engine.spi.graph.ParamSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes network definitions as JSON; reading re-runs every shape check. */
public final class NetworkJson {
    public static final int FORMAT_VERSION = 1;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private NetworkJson() {
    }

    public static String write(Network net) {
        JsonObject root = new JsonObject();
        root.addProperty("format", "graft-network");
        root.addProperty("version", FORMAT_VERSION);
        JsonArray params = new JsonArray();
        for (ParamSpec p : net.params().values()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", p.name());
            o.add("shape", longs(p.shape().dims()));
            o.addProperty("dtype", p.dtype().name());
            o.addProperty("init", p.initializer().spec());
            o.addProperty("trainable", p.trainable());
            params.add(o);
        }
        root.add("params", params);
        JsonArray nodes = new JsonArray();
        for (Node n : net.nodes()) {
            JsonObject o = new JsonObject();
            o.addProperty("op", n.op().name());
            o.addProperty("name", n.name());
            JsonArray in = new JsonArray();
            n.inputs().forEach(in::add);
            o.add("in", in);
            if (n.op() == Op.INPUT) {
                o.add("shape", longs(n.shape().dims()));
                o.addProperty("dtype", n.dtype().name());
            }
            JsonObject attrs = new JsonObject();
            n.attrs().asMap().forEach((k, v) -> attrs.add(k, attr(v)));
            o.add("attrs", attrs);
            nodes.add(o);
        }
        root.add("nodes", nodes);
        JsonObject outs = new JsonObject();
        net.outputs().forEach(outs::addProperty);
        root.add("outputs", outs);
        net.lossOutput().ifPresent(l -> root.addProperty("loss", l));
        return GSON.toJson(root);
    }

    public static Network read(String json) {
        JsonObject root;
        try {
            root = GSON.fromJson(json, JsonObject.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("network definition is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !"graft-network".equals(str(root, "format"))) {
            throw new IllegalArgumentException("not a Graft network definition (missing \"format\": \"graft-network\")");
        }
        int version = root.get("version").getAsInt();
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException("network definition version " + version + " is newer than this Graft (" + FORMAT_VERSION + ")");
        }
        Map<String, ParamSpec> specs = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("params")) {
            JsonObject o = e.getAsJsonObject();
            ParamSpec p = new ParamSpec(str(o, "name"), Shape.of(toLongs(o.getAsJsonArray("shape"))),
                    DType.valueOf(str(o, "dtype")), Initializer.parse(str(o, "init")), o.get("trainable").getAsBoolean());
            specs.put(p.name(), p);
        }
        NetworkBuilder b = new NetworkBuilder();
        JsonArray nodes = root.getAsJsonArray("nodes");
        for (int i = 0; i < nodes.size(); i++) {
            JsonObject o = nodes.get(i).getAsJsonObject();
            Op op = Op.valueOf(str(o, "op"));
            String name = str(o, "name");
            Attrs.Builder ab = Attrs.builder();
            for (Map.Entry<String, JsonElement> a : o.getAsJsonObject("attrs").entrySet()) {
                ab.putRaw(a.getKey(), fromJson(a.getValue()));
            }
            Attrs attrs = ab.build();
            List<Integer> in = new ArrayList<>();
            for (JsonElement x : o.getAsJsonArray("in")) {
                int id = x.getAsInt();
                if (id < 0 || id >= i) {
                    throw new DefinitionException(name, "node " + i + " refers to node " + id + ", which is not defined before it");
                }
                in.add(id);
            }
            Node n;
            if (op == Op.PARAM) {
                ParamSpec p = specs.get(attrs.getString("name"));
                if (p == null) {
                    throw new DefinitionException(name, "parameter '" + attrs.getString("name") + "' is not declared in params");
                }
                n = b.paramNamed(p.name(), p.initializer(), p.trainable(), p.dtype(), p.shape().dims());
            } else if (op == Op.INPUT) {
                n = b.replay(op, attrs, name, Shape.of(toLongs(o.getAsJsonArray("shape"))), DType.valueOf(str(o, "dtype")), in);
            } else {
                n = b.replay(op, attrs, name, null, null, in);
            }
            if (n.id() != i) {
                throw new DefinitionException(name, "node order is inconsistent at node " + i);
            }
        }
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("outputs").entrySet()) {
            int id = e.getValue().getAsInt();
            if (id < 0 || id >= nodes.size()) {
                throw new IllegalArgumentException("output '" + e.getKey() + "' refers to missing node " + id);
            }
            b.output(e.getKey(), nodeAt(b, id));
        }
        Network net = b.build();
        String loss = root.has("loss") ? str(root, "loss") : null;
        return net.withOutputs(net.outputs(), loss);
    }

    private static Node nodeAt(NetworkBuilder b, int id) {
        return b.node(id);
    }

    private static JsonElement attr(Object v) {
        if (v instanceof long[] l) {
            return longs(l);
        }
        if (v instanceof Boolean bo) {
            return new JsonPrimitive(bo);
        }
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        return new JsonPrimitive((String) v);
    }

    private static Object fromJson(JsonElement e) {
        if (e.isJsonArray()) {
            return toLongs(e.getAsJsonArray());
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        String s = p.getAsString();
        if (s.contains(".") || s.contains("e") || s.contains("E") || s.equals("NaN") || s.contains("Infinity")) {
            return p.getAsDouble();
        }
        return p.getAsLong();
    }

    private static JsonArray longs(long[] l) {
        JsonArray a = new JsonArray();
        for (long x : l) {
            a.add(x);
        }
        return a;
    }

    private static long[] toLongs(JsonArray a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = a.get(i).getAsLong();
        }
        return l;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("network definition: missing \"" + key + "\"");
        }
        return e.getAsString();
    }
}
