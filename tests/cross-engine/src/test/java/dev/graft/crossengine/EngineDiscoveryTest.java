package dev.graft.crossengine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.inject.Guice;
import com.google.inject.util.Modules;
import dev.graft.core.Graft;
import dev.graft.core.GraftModule;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.EngineProvider;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With both engines on the class path, discovery finds both and loads neither: providers are
 * instantiated and asked {@code isSupported()}, but no engine is created and no TensorFlow or
 * PyTorch library is mapped until an engine is asked for (which these tests never do in this JVM).
 */
class EngineDiscoveryTest {
    @Test
    void serviceLoaderFindsBothEnginesWithoutLoadingEitherRuntime() throws Exception {
        ServiceLoaderEngineRegistry registry = new ServiceLoaderEngineRegistry();
        assertThat(registry.providers().keySet()).containsExactlyInAnyOrder("tensorflow", "pytorch");
        for (EngineProvider p : registry.providers().values()) {
            assertThat(p.isSupported()).as(p.id() + " supported on this machine").isTrue();
        }
        assertNothingLoaded();
    }

    @Test
    void tensorflowIsTheDefaultWhenNothingChoosesAnEngine() {
        assumeTrue(System.getProperty(ServiceLoaderEngineRegistry.PROPERTY) == null
                && System.getenv(ServiceLoaderEngineRegistry.ENV) == null, "graft.engine / GRAFT_ENGINE set for this JVM");
        assertThat(new ServiceLoaderEngineRegistry().resolveId(null)).isEqualTo("tensorflow");
        assertThat(Graft.create().engines().resolveId("pytorch")).isEqualTo("pytorch");
    }

    @Test
    void guiceModuleBindsBothProvidersAndAnEngineBindingNarrowsTheRegistryToOne() throws Exception {
        Graft all = Guice.createInjector(new GraftModule()).getInstance(Graft.class);
        assertThat(all.engines().providers().keySet()).containsExactlyInAnyOrder("tensorflow", "pytorch");
        Graft bound = Guice.createInjector(Modules.override(new GraftModule()).with(new EngineBinding("pytorch")))
                .getInstance(Graft.class);
        assertThat(bound.engines().providers().keySet()).containsExactly("pytorch");
        assumeTrue(System.getProperty(ServiceLoaderEngineRegistry.PROPERTY) == null
                && System.getenv(ServiceLoaderEngineRegistry.ENV) == null, "graft.engine / GRAFT_ENGINE set for this JVM");
        assertThat(bound.engines().resolveId(null)).isEqualTo("pytorch");
        assertNothingLoaded();
    }

    @Test
    void engineNotBoundInGuiceIsRefusedWithTheBoundOnes() {
        ServiceLoaderEngineRegistry bound = Guice.createInjector(Modules.override(new GraftModule()).with(new EngineBinding("pytorch")))
                .getInstance(Graft.class).engines();
        assertThatThrownBy(() -> bound.get("tensorflow")).isInstanceOf(EngineException.class)
                .hasMessageContaining("no engine 'tensorflow'").hasMessageContaining("[pytorch]");
    }

    private static void assertNothingLoaded() throws Exception {
        assertThat(ProcessFacts.enginesCreated()).isEqualTo(Map.of("tensorflow", false, "pytorch", false));
        assertThat(ProcessFacts.engineLibraries()).isEmpty();
    }
}
