package dev.graft.core;

import dev.graft.engine.spi.ProviderInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;

/** Providers of one kind by id: first one found wins, each one logged with its module and version. */
final class Providers<T> {
    private final String kind;
    private final Map<String, T> byId;

    Providers(String kind, Iterable<? extends T> found, Function<T, String> id, Logger log) {
        this.kind = kind;
        Map<String, T> m = new LinkedHashMap<>();
        for (T p : found) {
            String key = id.apply(p);
            ProviderInfo info = ProviderInfo.of(key, p.getClass());
            T previous = m.putIfAbsent(key, p);
            if (previous != null && previous != p) {
                log.warning(() -> kind + " '" + key + "' is offered twice; keeping " + previous.getClass().getName()
                        + ", ignoring " + p.getClass().getName() + " (" + info.module() + ")");
            } else {
                log.fine(() -> kind + " '" + key + "' from " + info.module() + " " + info.version() + " ("
                        + info.implementation() + ")");
            }
        }
        this.byId = Collections.unmodifiableMap(m);
    }

    Map<String, T> all() {
        return byId;
    }

    T get(String id) {
        T p = byId.get(id);
        if (p == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + id + "'; available: " + byId.keySet()
                    + (byId.isEmpty() ? " (none found on the class or module path)" : ""));
        }
        return p;
    }

    List<ProviderInfo> list() {
        List<ProviderInfo> out = new ArrayList<>();
        byId.forEach((id, p) -> out.add(ProviderInfo.of(id, p.getClass())));
        return out;
    }
}
