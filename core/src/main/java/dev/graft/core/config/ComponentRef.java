package dev.graft.core.config;

import java.util.Map;
import java.util.TreeMap;

/** A component chosen by name, with its string options (e.g. backbone {@code resnet50} with {@code weights=...}). */
public record ComponentRef(String name, Map<String, String> options) {
    public ComponentRef {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a component needs a name");
        }
        options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
    }

    public static ComponentRef of(String name) {
        return new ComponentRef(name, Map.of());
    }

    public static ComponentRef of(String name, Map<String, String> options) {
        return new ComponentRef(name, options);
    }
}
