package dev.graft.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.testing.TinyBackbone;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ForwardingBackboneTest {
    /** A method added to Backbone later must be forwarded too, or wrappers silently fall back to its default. */
    @Test
    void forwardsEveryMethodOfTheBackboneInterface() {
        Set<String> forwarded = Arrays.stream(ForwardingBackbone.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers())).map(ForwardingBackboneTest::signature).collect(Collectors.toSet());
        List<String> missing = Arrays.stream(Backbone.class.getMethods()).filter(m -> !Modifier.isStatic(m.getModifiers()))
                .map(ForwardingBackboneTest::signature).filter(s -> !forwarded.contains(s)).toList();
        assertThat(missing).as("Backbone methods ForwardingBackbone does not forward").isEmpty();
    }

    private static String signature(Method m) {
        return m.getName() + Arrays.toString(m.getParameterTypes());
    }

    @Test
    void answersLikeTheWrappedBackboneUnlessOverridden() {
        TinyBackbone tiny = new TinyBackbone(4, 3, true, 1.0);
        Backbone renamed = new ForwardingBackbone(tiny) {
            @Override
            public String name() {
                return "renamed";
            }
        };
        assertThat(renamed.name()).isEqualTo("renamed");
        assertThat(renamed.inputs()).isEqualTo(tiny.inputs());
        assertThat(renamed.blocks()).isEqualTo(tiny.blocks());
        assertThat(renamed.fingerprint()).isEqualTo(tiny.fingerprint());
        assertThat(renamed.pretrained()).isEqualTo(tiny.pretrained());
        assertThat(renamed.weights().keySet()).isEqualTo(tiny.weights().keySet());
    }
}
