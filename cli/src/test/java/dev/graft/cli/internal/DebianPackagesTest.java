package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianPackagesTest {
    @Test
    void parsesDescriptionsWithContinuationLinesAndReportsBadStanzas(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, """
                Package: alpha
                Status: install ok installed
                Section: utils
                Description: first synopsis
                 Long text line one.
                 .
                 Line two.

                Package: beta
                Section: non-free/libs
                Description: second synopsis

                Package: gamma
                Description: no section here

                garbage line without colon
                """);
        DebianPackages.Parsed p = DebianPackages.read(status);
        assertThat(p.examples()).extracting(Example::label).containsExactly("utils", "libs");
        assertThat(p.examples().get(0).input()).isEqualTo("first synopsis Long text line one. Line two.");
        assertThat(p.examples().get(0).source()).isEqualTo(status + ":1 (alpha)");
        assertThat(p.problems()).hasSize(2);
        assertThat(p.problems().get(0).toString()).contains(status + ":13").contains("gamma").contains("Section");
        assertThat(p.problems().get(1).toString()).contains(":16").contains("not a 'Field: value' line");
    }

    @Test
    void balancedSubsetKeepsOnlyFrequentSectionsAndCapsThem() throws Exception {
        if (!Files.isReadable(DebianPackages.STATUS)) {
            return; // not a Debian machine: the parser test above still runs
        }
        List<Example> all = DebianPackages.read(DebianPackages.STATUS).examples();
        assertThat(all).hasSizeGreaterThan(50);
        List<Example> task = DebianPackages.balanced(all, 20, 30, 1);
        Map<String, Long> counts = task.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
        assertThat(counts.values()).allMatch(c -> c >= 20 && c <= 30);
        assertThat(DebianPackages.balanced(all, 20, 30, 1)).isEqualTo(task);
    }
}
