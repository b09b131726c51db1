package dev.graft.reliability.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.ServiceLoaderBackboneRegistry;
import dev.graft.core.spi.Backbone;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The opaque BERT backbone runs a SavedModel's graph, so it exists only when the user says trusted=true. */
class OpaqueBertBackboneTrustTest {
    static final ServiceLoaderBackboneRegistry REGISTRY = new ServiceLoaderBackboneRegistry();

    @Test
    void opaqueBertBackboneNeedsTheTrustedOptionAndNamesIt() throws Exception {
        assertThatThrownBy(() -> REGISTRY.create("bert-base-uncased-savedmodel", Map.of()))
                .hasMessageContaining("trusted=true").hasMessageContaining("-B trusted=true")
                .hasMessageContaining("bert-base-uncased (the same weights read as data");
        assertThatThrownBy(() -> REGISTRY.create("bert-base-uncased-savedmodel", Map.of("trusted", "yes")))
                .hasMessageContaining("option trusted must be true or false");
        try (Backbone b = REGISTRY.create("bert-base-uncased-savedmodel", Map.of("trusted", "true"))) {
            assertThat(b.name()).isEqualTo("bert-base-uncased-savedmodel");
        }
    }
}
