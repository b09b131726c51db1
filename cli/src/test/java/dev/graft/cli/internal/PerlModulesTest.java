package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerlModulesTest {
    private static void module(Path root, String file, String nameLine) throws Exception {
        Path f = root.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "package X;\n1;\n__END__\n\n=head1 NAME\n\n" + nameLine + "\n\n=head1 SYNOPSIS\n");
    }

    @Test
    void readsNameLinesDropsQualifiedNamesAndMapsFamilies(@TempDir Path dir) throws Exception {
        module(dir, "a/Test2/Event.pm", "Test2::Event - Base class for events");
        module(dir, "a/Encode/CN/HZ.pm", "Encode::CN::HZ -- internally used by Encode::CN");
        module(dir, "a/Pod/Text.pm", "B<Pod::Text> - Convert POD data to formatted text");
        module(dir, "a/Foo/Bar.pm", "Foo::Bar - an unrelated namespace");
        module(dir, "b/Test2/Event.pod", "Test2::Event - a second copy is ignored");
        Files.writeString(dir.resolve("a/NoName.pm"), "package NoName;\n1;\n");
        List<PerlModules.Module> ms = PerlModules.read(List.of(dir.resolve("a"), dir.resolve("b")));
        Map<String, PerlModules.Module> by = ms.stream().collect(Collectors.toMap(PerlModules.Module::name, m -> m));
        assertThat(by.keySet()).containsExactlyInAnyOrder("Test2::Event", "Encode::CN::HZ", "Pod::Text", "Foo::Bar");
        assertThat(by.get("Test2::Event").description()).isEqualTo("Base class for events");
        assertThat(by.get("Test2::Event").family()).isEqualTo("testing");
        assertThat(by.get("Encode::CN::HZ").description()).isEqualTo("internally used by");
        assertThat(by.get("Encode::CN::HZ").family()).isEqualTo("encodings-locales");
        assertThat(by.get("Pod::Text").description()).isEqualTo("Convert POD data to formatted text");
        assertThat(by.get("Foo::Bar").family()).isNull();
    }

    @Test
    void thisMachinesModulesGiveABalancedDeterministicTaskWithoutNamesInTheText() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/usr/share/perl")), "Perl's modules are not installed here");
        PerlModules.Task a = PerlModules.task(PerlModules.roots(), 40, 80, 0.25, 42);
        PerlModules.Task b = PerlModules.task(PerlModules.roots(), 40, 80, 0.25, 42);
        assertThat(a.train()).isEqualTo(b.train());
        assertThat(a.test()).isEqualTo(b.test());
        assertThat(a.labels().size()).isBetween(4, 8);
        Map<String, Long> counts = a.train().stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
        long min = counts.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = counts.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(max).isLessThanOrEqualTo(2 * min);
        assertThat(a.train()).noneMatch(e -> ((String) e.input()).contains("::"));
        assertThat(a.test()).extracting(Example::source).doesNotContainAnyElementsOf(a.train().stream().map(Example::source).toList());
    }
}
