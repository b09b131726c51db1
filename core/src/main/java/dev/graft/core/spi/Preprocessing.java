package dev.graft.core.spi;

import java.util.Map;
import java.util.TreeMap;

/**
 * What input the backbone's weights expect, recorded with the weights and checked at load:
 * for images e.g. {@code kind=caffe} (BGR, mean subtraction) or {@code kind=torch} (RGB, mean/std)
 * with {@code size=224}; for text the tokenizer, casing and maximum length.
 */
public record Preprocessing(String kind, Map<String, String> params) {
    public Preprocessing {
        params = Map.copyOf(params);
    }

    /** A stable text form used in cache keys and saved models. */
    public String canonical() {
        return kind + new TreeMap<>(params);
    }
}
