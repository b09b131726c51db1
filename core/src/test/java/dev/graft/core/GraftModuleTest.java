package dev.graft.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.MapBinder;
import dev.graft.core.spi.PlanContext;
import dev.graft.core.spi.TransferPlan;
import dev.graft.core.spi.TransferStrategy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraftModuleTest {
    /** A strategy an application binds itself. */
    static final class MyStrategy implements TransferStrategy {
        @Override
        public String id() {
            return "my-strategy";
        }

        @Override
        public String description() {
            return "bound in Guice";
        }

        @Override
        public TransferPlan plan(PlanContext context, Map<String, String> options) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void guiceSeesDiscoveredProvidersAndApplicationBindings() {
        Injector injector = Guice.createInjector(new GraftModule(), new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, TransferStrategy.class).addBinding("my-strategy")
                        .to(MyStrategy.class);
            }
        });
        ServiceLoaderStrategyRegistry strategies = injector.getInstance(ServiceLoaderStrategyRegistry.class);
        assertThat(strategies.strategies().keySet())
                .contains("feature-extraction", "fine-tuning", "hybrid", "my-strategy");
        assertThat(injector.getInstance(ServiceLoaderStrategyRegistry.class)).isSameAs(strategies);
        Graft graft = injector.getInstance(Graft.class);
        assertThat(graft.strategies().get("my-strategy")).isInstanceOf(MyStrategy.class);
        assertThat(graft.engines().providers()).containsKey("tensorflow");
    }

    @Test
    void catalogListsEveryKindWithModuleAndVersion() {
        Catalog catalog = Graft.create().catalog();
        assertThat(catalog.entries(Catalog.Kind.STRATEGY)).extracting(e -> e.info().id())
                .contains("feature-extraction", "fine-tuning", "hybrid");
        assertThat(catalog.entries(Catalog.Kind.HEAD)).extracting(e -> e.info().id()).contains("linear", "mlp");
        assertThat(catalog.entries(Catalog.Kind.ENGINE)).extracting(e -> e.info().id()).contains("tensorflow");
        assertThat(catalog.entries(Catalog.Kind.BACKBONE)).extracting(e -> e.info().id()).contains("tiny-mlp");
        catalog.entries().forEach(e -> {
            assertThat(e.info().module()).isNotBlank();
            assertThat(e.info().version()).isNotBlank();
            assertThat(e.toString()).contains(e.info().id());
        });
    }
}
