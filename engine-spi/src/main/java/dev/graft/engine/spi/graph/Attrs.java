package dev.graft.engine.spi.graph;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable op attributes: longs, doubles, booleans, strings and long arrays. */
public final class Attrs {
    private static final Attrs EMPTY = new Attrs(Map.of());
    private final Map<String, Object> values;

    private Attrs(Map<String, Object> values) {
        this.values = values;
    }

    public static Attrs empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public long getLong(String key) {
        return ((Number) require(key)).longValue();
    }

    public int getInt(String key) {
        return Math.toIntExact(getLong(key));
    }

    public double getDouble(String key) {
        return ((Number) require(key)).doubleValue();
    }

    public boolean getBool(String key) {
        return (Boolean) require(key);
    }

    public String getString(String key) {
        return (String) require(key);
    }

    public long[] getLongs(String key) {
        return ((long[]) require(key)).clone();
    }

    public int[] getInts(String key) {
        long[] l = (long[]) require(key);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing attribute '" + key + "'");
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Attrs a) || a.values.size() != values.size()) {
            return false;
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object other = a.values.get(e.getKey());
            Object mine = e.getValue();
            if (mine instanceof long[] l) {
                if (!(other instanceof long[] ol) || !Arrays.equals(l, ol)) {
                    return false;
                }
            } else if (mine instanceof Number n) {
                if (!(other instanceof Number on) || n.doubleValue() != on.doubleValue()) {
                    return false;
                }
            } else if (!mine.equals(other)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return values.keySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        values.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append('=')
                .append(v instanceof long[] l ? Arrays.toString(l) : String.valueOf(v)));
        return sb.append('}').toString();
    }

    /** Collects attributes in insertion order. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        public Builder put(String key, long value) {
            values.put(key, value);
            return this;
        }

        public Builder put(String key, double value) {
            values.put(key, value);
            return this;
        }

        public Builder put(String key, boolean value) {
            values.put(key, value);
            return this;
        }

        public Builder put(String key, String value) {
            values.put(key, value);
            return this;
        }

        public Builder put(String key, long... value) {
            values.put(key, value.clone());
            return this;
        }

        public Builder put(String key, int... value) {
            long[] l = new long[value.length];
            for (int i = 0; i < value.length; i++) {
                l[i] = value[i];
            }
            values.put(key, l);
            return this;
        }

        /** Puts a raw value already in canonical form (Long, Double, Boolean, String, long[]). */
        public Builder putRaw(String key, Object value) {
            if (!(value instanceof Long || value instanceof Double || value instanceof Boolean
                    || value instanceof String || value instanceof long[])) {
                throw new IllegalArgumentException("unsupported attribute value for '" + key + "': " + value);
            }
            values.put(key, value);
            return this;
        }

        public Attrs build() {
            return values.isEmpty() ? EMPTY : new Attrs(new LinkedHashMap<>(values));
        }
    }
}
