package dev.graft.cli.internal;

import dev.graft.core.spi.Example;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A second real text task from files every Debian machine with Perl has: the one-line
 * descriptions of the installed Perl modules (the {@code =head1 NAME} line of each {@code .pm} or
 * {@code .pod} file, {@code Module::Name - description}), labelled by the module's namespace
 * family ({@code Test2::}, {@code Test::} and {@code TAP::} are "testing", ...). The text is the
 * description alone, with every qualified module name ({@code X::Y}) removed, so the label cannot
 * be read off the module name.
 */
public final class PerlModules {
    /**
     * Where Debian installs Perl modules (perl-base, perl-modules-5.x, libperl5.x, vendor modules):
     * {@code /usr/share/perl}, {@code /usr/share/perl5} and every {@code /usr/lib/<arch>/perl*}.
     */
    public static List<Path> roots() throws IOException {
        List<Path> out = new ArrayList<>(List.of(Path.of("/usr/share/perl"), Path.of("/usr/share/perl5")));
        Path lib = Path.of("/usr/lib");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> arch = Files.list(lib)) {
                for (Path a : arch.filter(Files::isDirectory).sorted().toList()) {
                    try (Stream<Path> perl = Files.list(a)) {
                        perl.filter(p -> p.getFileName().toString().startsWith("perl")).filter(Files::isDirectory).sorted()
                                .forEach(out::add);
                    } catch (IOException e) {
                        // an unreadable folder under /usr/lib holds no Perl modules we could read anyway
                    }
                }
            }
        }
        return out;
    }

    /** Namespace families: label -> top-level namespaces. */
    public static final Map<String, List<String>> FAMILIES = new TreeMap<>(Map.of(
            "testing", List.of("Test2", "Test", "TAP"),
            "build-install", List.of("ExtUtils", "CPAN", "Module"),
            "dpkg", List.of("Dpkg"),
            "pod", List.of("Pod"),
            "files-io", List.of("IO", "File", "PerlIO", "DirHandle", "FileHandle", "FileCache", "SelectSaver"),
            "encodings-locales", List.of("Encode", "Unicode", "I18N", "Locale", "encoding")));

    private static final Pattern NAME_LINE = Pattern.compile("^\\s*([A-Za-z_][\\w:]*?)(?:\\.pm)?\\s+--?\\s+(.+?)\\s*$");
    private static final Pattern QUALIFIED = Pattern.compile("\\S*\\w::\\S*");
    private static final Pattern MARKUP = Pattern.compile("[A-Z]<+\\s*([^<>]*?)\\s*>+");

    private PerlModules() {
    }

    /** One module: its name, description (qualified names removed), family and file. */
    public record Module(String name, String description, String family, Path file) {
    }

    /** The task: balanced families split into train and a held-out stratified test set. */
    public record Task(List<Example> train, List<Example> test, List<String> labels, int modules, int unlabelled) {
    }

    /** Every module under {@code roots} with a NAME line, one per module name (the first in path order). */
    public static List<Module> read(List<Path> roots) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".pm") || p.toString().endsWith(".pod"))
                        .filter(Files::isRegularFile).forEach(files::add);
            } catch (UncheckedIOException e) {
                throw new IOException("cannot list " + root + ": " + e.getCause().getMessage(), e.getCause());
            }
        }
        Collections.sort(files);
        Map<String, Module> byName = new TreeMap<>();
        for (Path f : files) {
            Module m = parse(f);
            if (m != null) {
                byName.putIfAbsent(m.name(), m);
            }
        }
        return new ArrayList<>(byName.values());
    }

    /** The module named by {@code file}'s {@code =head1 NAME} paragraph, or null if it has none. */
    static Module parse(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).trim().equals("=head1 NAME")) {
                continue;
            }
            int j = i + 1;
            while (j < lines.size() && lines.get(j).isBlank()) {
                j++;
            }
            if (j == lines.size()) {
                return null;
            }
            Matcher m = NAME_LINE.matcher(stripMarkup(lines.get(j)));
            if (!m.matches()) {
                return null;
            }
            String name = m.group(1);
            String top = name.split("::", 2)[0];
            String family = FAMILIES.entrySet().stream().filter(e -> e.getValue().contains(top)).map(Map.Entry::getKey).findFirst()
                    .orElse(null);
            String text = QUALIFIED.matcher(m.group(2)).replaceAll(" ").replaceAll("\\s+", " ").trim();
            return new Module(name, text, family, file);
        }
        return null;
    }

    static String stripMarkup(String s) {
        String prev;
        do {
            prev = s;
            s = MARKUP.matcher(s).replaceAll("$1");
        } while (!s.equals(prev));
        return s;
    }

    /**
     * Reads the modules under {@code roots}, keeps the families with at least {@code minPerClass}
     * modules whose description has two or more words, at most {@code maxPerClass} of each (seeded),
     * and holds out {@code testFraction} of every family as the test set.
     */
    public static Task task(List<Path> roots, int minPerClass, int maxPerClass, double testFraction, long seed) throws IOException {
        List<Module> all = read(roots);
        List<Example> labelled = new ArrayList<>();
        int unlabelled = 0;
        for (Module m : all) {
            if (m.family() == null) {
                unlabelled++;
            } else if (m.description().split(" ").length >= 2) {
                labelled.add(new Example(m.file() + " (" + m.name() + ")", m.description(), m.family()));
            }
        }
        List<Example> chosen = DebianPackages.balanced(labelled, minPerClass, maxPerClass, seed);
        Map<String, List<Example>> by = new TreeMap<>();
        chosen.forEach(e -> by.computeIfAbsent(e.label(), k -> new ArrayList<>()).add(e));
        if (by.size() < 2) {
            throw new IOException("the Perl modules under " + roots + " give " + by.size() + " famil(ies) with at least " + minPerClass
                    + " described modules; a task needs 2 (is the 'perl' package installed?)");
        }
        List<List<Example>> parts = DebianPackages.stratifiedTestSplit(chosen, testFraction, seed);
        return new Task(parts.get(0), parts.get(1), new ArrayList<>(by.keySet()), all.size(), unlabelled);
    }
}
