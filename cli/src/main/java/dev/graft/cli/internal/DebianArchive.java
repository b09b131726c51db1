package dev.graft.cli.internal;

import dev.graft.core.spi.Example;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A third real text task, shaped like the one a new user brings (one-line technical descriptions,
 * six classes, about a thousand labelled examples and a test set of the same size): the one-line
 * synopses of the packages in the Debian archive, from the package indexes APT keeps in
 * {@code /var/lib/apt/lists} (the {@code Packages} files, any compression APT reads), labelled by
 * the package's section.
 * <p>
 * Only sections that say what the software is for are labels ({@link #TOPICAL}: Debian Policy's
 * sections minus those that name a language, a library or documentation kind, a desktop, or a
 * catch-all such as {@code misc}), so the label is the topic, not the packaging. One package per
 * source package (the first in file order) keeps the binary packages of one source, which share
 * most of their synopsis, from landing on both sides of the split; a synopsis seen before is skipped
 * for the same reason.
 */
public final class DebianArchive {
    public static final Path LISTS = Path.of("/var/lib/apt/lists");

    /** Sections that name what the software does (Debian Policy 2.4), the candidate labels. */
    public static final Set<String> TOPICAL = Set.of("admin", "comm", "database", "editors", "electronics", "games", "graphics",
            "hamradio", "mail", "math", "net", "news", "science", "sound", "text", "utils", "video", "web");

    private DebianArchive() {
    }

    /** One archive package: its name, source package, section (component prefix removed) and synopsis. */
    public record Package(String name, String source, String section, String synopsis, String where) {
    }

    /** The task: balanced sections split into train and a held-out stratified test set. */
    public record Task(List<Example> train, List<Example> test, List<String> labels, int packages, int kept) {
    }

    /** The {@code Packages} index files under {@code lists}, sorted (compressed or not). */
    public static List<Path> indexFiles(Path lists) throws IOException {
        if (!Files.isDirectory(lists)) {
            throw new IOException(lists + " is not a directory: no APT package lists here (run 'apt-get update' first)");
        }
        try (Stream<Path> s = Files.list(lists)) {
            List<Path> out = s.filter(p -> p.getFileName().toString().matches(".*_Packages(\\.(lz4|gz|xz|bz2|zst))?"))
                    .sorted().toList();
            if (out.isEmpty()) {
                throw new IOException("no *_Packages index under " + lists + " (run 'apt-get update' first)");
            }
            return out;
        }
    }

    /** Every package of the index files under {@code lists}, decompressed by APT's own {@code apt-helper cat-file}. */
    public static List<Package> read(Path lists) throws IOException {
        List<Package> out = new ArrayList<>();
        for (Path f : indexFiles(lists)) {
            if (f.getFileName().toString().endsWith("_Packages")) {
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    out.addAll(parse(r, f.toString()));
                }
                continue;
            }
            Process p = new ProcessBuilder("/usr/lib/apt/apt-helper", "cat-file", f.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (Reader r = new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
                out.addAll(parse(r, f.toString()));
            } catch (IOException e) {
                p.destroy();
                throw new IOException(f + ": " + e.getMessage(), e);
            }
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroy();
                    throw new IOException(f + ": apt-helper cat-file failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(f + ": interrupted", e);
            }
        }
        return out;
    }

    /**
     * The packages of one {@code Packages} index read from {@code in}; {@code where} names it in each
     * package's origin ({@code file:line}). Stanzas without a Package, Section or Description field are
     * not packages a task can use and are skipped; a line that is neither a field nor a continuation is an error.
     */
    static List<Package> parse(Reader in, String where) throws IOException {
        List<Package> out = new ArrayList<>();
        ControlStanzas.read(in instanceof BufferedReader b ? b : new BufferedReader(in), st -> {
            String name = st.get("Package");
            String section = st.get("Section");
            String description = st.get("Description");
            if (name != null && section != null && description != null) {
                String source = st.fields().getOrDefault("Source", name).split(" ", 2)[0];
                out.add(new Package(name, source, section.substring(section.lastIndexOf('/') + 1),
                        description.split("\n", 2)[0].trim(), where + ":" + st.line()));
            }
        }, (line, message) -> {
            throw new IOException(where + ":" + line + ": " + message);
        });
        return out;
    }

    /**
     * The task from {@code packages}: one package per source package and per synopsis (first seen),
     * synopses of two or more words, the {@code classes} largest {@link #TOPICAL} sections with at
     * least {@code perClass} such packages, {@code perClass} of each (seeded), and {@code testFraction}
     * of each section held out as the test set.
     */
    public static Task task(List<Package> packages, int perClass, int classes, double testFraction, long seed) throws IOException {
        Set<String> sources = new HashSet<>();
        Set<String> synopses = new HashSet<>();
        List<Example> kept = new ArrayList<>();
        for (Package p : packages) {
            if (!TOPICAL.contains(p.section()) || p.synopsis().split("\\s+").length < 2) {
                continue;
            }
            if (sources.add(p.source()) && synopses.add(p.synopsis().toLowerCase(java.util.Locale.ROOT))) {
                kept.add(new Example(p.where() + " (" + p.name() + ")", p.synopsis(), p.section()));
            }
        }
        Map<String, Integer> counts = new TreeMap<>();
        kept.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        List<String> keep = counts.entrySet().stream().filter(e -> e.getValue() >= perClass)
                .sorted((a, b) -> b.getValue() != a.getValue().intValue() ? b.getValue() - a.getValue() : a.getKey().compareTo(b.getKey()))
                .limit(classes).map(Map.Entry::getKey).sorted().toList();
        if (keep.size() < 2) {
            throw new IOException("the APT package lists give " + keep.size() + " topical section(s) with at least " + perClass
                    + " packages (sections: " + counts + "); a task needs 2");
        }
        List<Example> chosen = DebianPackages.balanced(kept.stream().filter(e -> keep.contains(e.label())).toList(), perClass,
                perClass, seed);
        List<List<Example>> parts = DebianPackages.stratifiedTestSplit(chosen, testFraction, seed);
        return new Task(parts.get(0), parts.get(1), keep, packages.size(), kept.size());
    }
}
