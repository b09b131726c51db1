package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.core.spi.Example;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianArchiveTest {
    private static String stanza(String pkg, String source, String section, String synopsis) {
        return "Package: " + pkg + "\n" + (source == null ? "" : "Source: " + source + "\n") + "Version: 1.0-1\n"
                + "Section: " + section + "\nDescription: " + synopsis + "\nDescription-md5: 0123\nTag: role::program,\n"
                + " interface::commandline\n\n";
    }

    @Test
    void readsSynopsesSectionsAndSourcesWithTheirLine() throws Exception {
        String index = stanza("0ad", null, "games", "Real-time strategy game of ancient warfare")
                + stanza("0ad-data", "0ad-data (0.0.26-1)", "contrib/games", "Real-time strategy game (data files)")
                + "Package: nosection\nDescription: no section here\n\n"
                + stanza("curl", null, "web", "command line tool for transferring data with URL syntax");
        List<DebianArchive.Package> ps = DebianArchive.parse(new StringReader(index), "idx");
        assertThat(ps).extracting(DebianArchive.Package::name).containsExactly("0ad", "0ad-data", "curl");
        assertThat(ps.get(1).section()).isEqualTo("games");
        assertThat(ps.get(1).source()).isEqualTo("0ad-data");
        assertThat(ps.get(0).source()).isEqualTo("0ad");
        assertThat(ps.get(0).where()).isEqualTo("idx:1");
        assertThat(ps.get(1).where()).isEqualTo("idx:9");
        assertThat(ps.get(2).synopsis()).isEqualTo("command line tool for transferring data with URL syntax");
    }

    @Test
    void aBrokenLineIsReportedWithItsFileAndLine() {
        String index = stanza("a", null, "games", "a game of cards") + "Package: b\nthis is not a field\n";
        assertThatThrownBy(() -> DebianArchive.parse(new StringReader(index), "lists/x_Packages"))
                .isInstanceOf(IOException.class).hasMessageContaining("lists/x_Packages:10").hasMessageContaining("this is not a field");
    }

    @Test
    void keepsOnePackagePerSourceAndSynopsisOnlyTopicalSectionsAndSplitsStratified() throws Exception {
        List<DebianArchive.Package> ps = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ps.add(new DebianArchive.Package("g" + i, "g" + i, "games", "a game number " + i, "f:" + i));
            ps.add(new DebianArchive.Package("s" + i, "s" + i, "sound", "an audio tool number " + i, "f:" + (100 + i)));
            ps.add(new DebianArchive.Package("p" + i, "p" + i, "python", "a python module number " + i, "f:" + (200 + i)));
        }
        ps.add(new DebianArchive.Package("g0-data", "g0", "games", "data of game zero", "f:300"));
        ps.add(new DebianArchive.Package("copy", "copy", "games", "A game number 3", "f:301"));
        ps.add(new DebianArchive.Package("one", "one", "net", "oneword", "f:302"));
        DebianArchive.Task t = DebianArchive.task(ps, 10, 6, 0.5, 42);
        assertThat(t.labels()).containsExactly("games", "sound");
        assertThat(t.kept()).isEqualTo(24);
        assertThat(t.train()).hasSize(10);
        assertThat(t.test()).hasSize(10);
        List<Example> all = new ArrayList<>(t.train());
        all.addAll(t.test());
        assertThat(all).extracting(Example::input).doesNotContain("data of game zero", "A game number 3", "oneword");
        assertThat(t.test()).extracting(Example::source).doesNotContainAnyElementsOf(t.train().stream().map(Example::source).toList());
        assertThat(DebianArchive.task(ps, 10, 6, 0.5, 42)).isEqualTo(t);
        assertThatThrownBy(() -> DebianArchive.task(ps, 13, 6, 0.5, 42)).isInstanceOf(IOException.class)
                .hasMessageContaining("0 topical section(s) with at least 13");
    }

    @Test
    void refusesAFolderWithoutPackageLists(@TempDir Path dir) {
        assertThatThrownBy(() -> DebianArchive.read(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("no *_Packages index under " + dir);
    }

    @Test
    void thisMachinesPackageListsGiveABalancedDeterministicTask() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/apt/apt-helper")), "APT is not installed here");
        List<DebianArchive.Package> ps;
        try {
            ps = DebianArchive.read(DebianArchive.LISTS);
        } catch (IOException e) {
            assumeTrue(false, "no APT package lists here: " + e.getMessage());
            return;
        }
        assumeTrue(ps.size() > 20_000, "APT's package lists hold only " + ps.size() + " packages here");
        DebianArchive.Task t;
        try {
            t = DebianArchive.task(ps, 333, 6, 0.5, 42);
        } catch (IOException e) {
            assumeTrue(false, "APT's package lists here have too few packages in topical sections: " + e.getMessage());
            return;
        }
        assertThat(DebianArchive.task(ps, 333, 6, 0.5, 42)).isEqualTo(t);
        assertThat(t.labels()).hasSize(6).allMatch(DebianArchive.TOPICAL::contains);
        Map<String, Long> counts = t.train().stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
        assertThat(counts.values()).containsOnly(166L);
        assertThat(t.test()).hasSize(6 * 167);
        assertThat(t.test()).extracting(Example::input).doesNotContainAnyElementsOf(t.train().stream().map(Example::input).toList());
    }
}
