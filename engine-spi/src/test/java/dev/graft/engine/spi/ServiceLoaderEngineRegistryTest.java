package dev.graft.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceLoaderEngineRegistryTest {
    private final String savedProperty = System.getProperty(ServiceLoaderEngineRegistry.PROPERTY);

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(ServiceLoaderEngineRegistry.PROPERTY);
        } else {
            System.setProperty(ServiceLoaderEngineRegistry.PROPERTY, savedProperty);
        }
    }

    private static ServiceLoaderEngineRegistry registry(EngineProvider... p) {
        return new ServiceLoaderEngineRegistry(List.of(p));
    }

    @Test
    void serviceLoaderFindsProvidersListedInMetaInfServices() {
        ServiceLoaderEngineRegistry r = new ServiceLoaderEngineRegistry();
        assertThat(r.providers()).containsKey("spi-test-engine");
        assertThat(r.list()).anySatisfy(i -> {
            assertThat(i.id()).isEqualTo("spi-test-engine");
            assertThat(i.implementation()).isEqualTo(TestEngineProvider.class.getName());
        });
        assertThat(r.get("spi-test-engine").version()).isEqualTo("test 1");
    }

    @Test
    void missingEngineErrorListsTheAvailableOnes() {
        ServiceLoaderEngineRegistry r = registry(new TestEngineProvider("alpha", true), new TestEngineProvider("beta", true));
        assertThatThrownBy(() -> r.get("pytorch")).isInstanceOf(EngineException.class)
                .hasMessageContaining("'pytorch'").hasMessageContaining("alpha").hasMessageContaining("beta");
        assertThatThrownBy(() -> registry().get("tensorflow")).hasMessageContaining("graft-engine-tensorflow");
        assertThatThrownBy(() -> registry().get()).isInstanceOf(EngineException.class).hasMessageContaining("no Graft engine");
    }

    @Test
    void systemPropertySelectsTheEngineUnlessAnIdIsGiven() {
        ServiceLoaderEngineRegistry r = registry(new TestEngineProvider("tensorflow", true, 10), new TestEngineProvider("pytorch", true, 20));
        System.clearProperty(ServiceLoaderEngineRegistry.PROPERTY);
        if (System.getenv(ServiceLoaderEngineRegistry.ENV) == null) {
            assertThat(r.get().id()).isEqualTo("tensorflow");
        }
        System.setProperty(ServiceLoaderEngineRegistry.PROPERTY, " pytorch ");
        assertThat(r.resolveId(null)).isEqualTo("pytorch");
        assertThat(r.get().id()).isEqualTo("pytorch");
        assertThat(r.get("tensorflow").id()).isEqualTo("tensorflow");
        System.setProperty(ServiceLoaderEngineRegistry.PROPERTY, "onnx");
        assertThatThrownBy(r::get).hasMessageContaining("'onnx'").hasMessageContaining("tensorflow").hasMessageContaining("pytorch");
    }

    @Test
    void lowestRankedSupportedEngineIsTheDefaultWhateverItsNameOrOrder() {
        System.clearProperty(ServiceLoaderEngineRegistry.PROPERTY);
        if (System.getenv(ServiceLoaderEngineRegistry.ENV) == null) {
            ServiceLoaderEngineRegistry r = registry(new TestEngineProvider("zeta", true, 50), new TestEngineProvider("fast", false, 1),
                    new TestEngineProvider("alpha", true, 70), new TestEngineProvider("omega", true, 5));
            assertThat(r.resolveId(null)).isEqualTo("omega");
            assertThat(registry(new TestEngineProvider("b", true), new TestEngineProvider("a", true)).resolveId(null)).isEqualTo("a");
        }
    }

    @Test
    void withoutTensorflowTheFirstSupportedEngineIsTheDefault() {
        System.clearProperty(ServiceLoaderEngineRegistry.PROPERTY);
        if (System.getenv(ServiceLoaderEngineRegistry.ENV) == null) {
            ServiceLoaderEngineRegistry r = registry(new TestEngineProvider("exotic", false), new TestEngineProvider("pytorch", true));
            assertThat(r.resolveId(null)).isEqualTo("pytorch");
        }
    }

    @Test
    void unsupportedPlatformIsReportedAndEnginesAreCreatedOnce() {
        ServiceLoaderEngineRegistry r = registry(new TestEngineProvider("exotic", false), new TestEngineProvider("once", true));
        assertThatThrownBy(() -> r.get("exotic")).hasMessageContaining("does not support this platform");
        int before = TestEngineProvider.CREATED.get();
        Engine a = r.get("once");
        assertThat(r.get("once")).isSameAs(a);
        assertThat(TestEngineProvider.CREATED.get()).isEqualTo(before + 1);
    }

    @Test
    void duplicateIdsKeepTheFirstProvider() {
        TestEngineProvider first = new TestEngineProvider("dup", true);
        ServiceLoaderEngineRegistry r = registry(first, new TestEngineProvider("dup", false));
        assertThat(r.providers().get("dup")).isSameAs(first);
    }

    /** A provider that records the settings of every engine it creates. */
    private static final class RecordingProvider extends TestEngineProvider {
        final List<EngineSettings> created = new java.util.ArrayList<>();

        RecordingProvider(String id) {
            super(id, true);
        }

        @Override
        public Engine create(EngineSettings settings) {
            created.add(settings);
            return create();
        }
    }

    @Test
    void anEngineAskedForWithSettingsIsCreatedWithThemOncePerSettings() {
        RecordingProvider p = new RecordingProvider("tensorflow");
        ServiceLoaderEngineRegistry r = new ServiceLoaderEngineRegistry(List.of(p), EngineSettings.defaults().withThreads(4));
        EngineSettings one = EngineSettings.defaults().withThreads(1);
        Engine a = r.get("tensorflow", one);
        assertThat(r.get("tensorflow", EngineSettings.defaults().withThreads(1))).as("the same settings again").isSameAs(a);
        r.get("tensorflow");
        assertThat(p.created).containsExactly(one, EngineSettings.defaults().withThreads(4));
        assertThatThrownBy(() -> r.get("tensorflow", null)).isInstanceOf(NullPointerException.class).hasMessageContaining("engineSettings");
        assertThatThrownBy(() -> r.get("onnx", one)).isInstanceOf(EngineException.class).hasMessageContaining("'onnx'");
    }
}
