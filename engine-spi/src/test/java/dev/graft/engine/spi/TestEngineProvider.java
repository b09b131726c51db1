package dev.graft.engine.spi;

import dev.graft.engine.spi.graph.Network;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider registered in this module's test META-INF/services so the registry's ServiceLoader
 * path is exercised for real. Its engine compiles nothing; the registry only selects and creates.
 */
public class TestEngineProvider implements EngineProvider {
    static final AtomicInteger CREATED = new AtomicInteger();
    private final String id;
    private final boolean supported;
    private final int rank;

    public TestEngineProvider() {
        this("spi-test-engine", true);
    }

    TestEngineProvider(String id, boolean supported) {
        this(id, supported, 100);
    }

    TestEngineProvider(String id, boolean supported, int rank) {
        this.id = id;
        this.supported = supported;
        this.rank = rank;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isSupported() {
        return supported;
    }

    @Override
    public Engine create() {
        CREATED.incrementAndGet();
        return new Engine() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String version() {
                return "test 1";
            }

            @Override
            public Set<Capability> capabilities() {
                return EnumSet.noneOf(Capability.class);
            }

            @Override
            public Map<String, String> describe() {
                return Map.of("engine", id);
            }

            @Override
            public CompiledModel compile(Network network, long seed) {
                throw new UnsupportedOperationException("the registry test engine compiles nothing");
            }
        };
    }
}
