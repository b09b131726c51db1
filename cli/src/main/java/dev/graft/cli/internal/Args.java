package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.data.BadRowPolicy;
import dev.graft.core.data.BadRowsException;
import dev.graft.core.data.Dataset;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Checks of names and files given on the command line, each failing with the valid choices. */
final class Args {
    private Args() {
    }

    static void backbone(Graft g, String name) {
        if (!g.backbones().offers(name)) {
            throw new UsageException("unknown backbone '" + name + "'; available backbones: " + g.backbones().backbones().keySet()
                    + (g.backbones().families().isEmpty() ? "" : " and " + g.backbones().families()));
        }
    }

    static void strategy(Graft g, String id) {
        if (!g.strategies().strategies().containsKey(id)) {
            throw new UsageException("unknown strategy '" + id + "'; available strategies: " + g.strategies().strategies().keySet());
        }
    }

    static void head(Graft g, String id) {
        if (!g.heads().heads().containsKey(id)) {
            throw new UsageException("unknown head '" + id + "'; available heads: " + g.heads().heads().keySet());
        }
    }

    /** The engine id if given and known; null when not given (the default engine is used). */
    static String engine(Graft g, String id) {
        if (id == null) {
            return null;
        }
        if (!g.engines().providers().containsKey(id)) {
            throw new UsageException("unknown engine '" + id + "'; available engines: " + g.engines().providers().keySet());
        }
        return id;
    }

    static Path readable(Path p, String what) {
        if (!Files.exists(p)) {
            throw new UsageException("cannot read " + what + " " + p + ": no such file or directory");
        }
        if (!Files.isReadable(p)) {
            throw new UsageException("cannot read " + what + " " + p + ": permission denied");
        }
        return p;
    }

    static Path modelDir(Path p) {
        readable(p, "model directory");
        if (!Files.isRegularFile(p.resolve(dev.graft.core.model.TrainedModel.MANIFEST))) {
            throw new UsageException(p + " is not a Graft model directory (no " + dev.graft.core.model.TrainedModel.MANIFEST
                    + "); make one with 'graft fit'");
        }
        return p;
    }

    /** Labelled data: file, format and format options. */
    static final class Data {
        @Option(names = {"-d", "--data"}, required = true, paramLabel = "PATH", description = "labelled data: a file or folder")
        Path path;

        @Option(names = "--format", paramLabel = "ID", description = "dataset format (default: detected from the path); see 'graft list'")
        String format;

        @Option(names = {"-D", "--data-option"}, paramLabel = "KEY=VALUE", description = "format option, e.g. text=description label=section")
        Map<String, String> options = new java.util.LinkedHashMap<>();

        /** Bad files left out under {@code bad-images=skip}, from every read through this option set. */
        final List<DatasetFormat.Problem> skipped = new java.util.ArrayList<>();

        List<Example> read(Graft g) throws IOException {
            return Args.read(g, path, format, options, skipped);
        }

        /** Lists every skipped file with its reason, one a line. */
        void listSkipped(java.io.PrintStream err) {
            if (!skipped.isEmpty()) {
                err.println("skipped " + skipped.size() + " bad file(s) (bad-images=skip):");
                skipped.forEach(p -> err.println("  skipped " + p));
            }
        }

        /** For a report: how many files were skipped, or nothing. */
        String skippedNote() {
            return skipped.isEmpty() ? "" : "; " + skipped.size() + " bad file(s) skipped (bad-images=skip)";
        }
    }

    /** What a command does about bad files: fail (default) or skip. */
    static final List<String> BAD_IMAGES = List.of("fail", "skip");

    /** The {@code bad-images} policy in {@code options}, checked: {@code fail} (the default) or {@code skip}. */
    static boolean skipBad(Map<String, String> options) {
        return skipBad(options.getOrDefault("bad-images", "fail"));
    }

    static boolean skipBad(String policy) {
        if (!BAD_IMAGES.contains(policy)) {
            throw new UsageException("unknown bad-images policy '" + policy + "'; valid: " + String.join(", ", BAD_IMAGES));
        }
        return policy.equals("skip");
    }

    static List<Example> read(Graft g, Path path, String format, Map<String, String> options) throws IOException {
        return read(g, path, format, options, null);
    }

    /**
     * Reads labelled data; bad records fail the command unless {@code bad-images=skip}, which leaves
     * them out and adds them to {@code skipped} (when null, skipping is refused as for fail).
     */
    static List<Example> read(Graft g, Path path, String format, Map<String, String> options,
            List<DatasetFormat.Problem> skipped) throws IOException {
        readable(path, "data");
        boolean skip = skipBad(options);
        DatasetFormat f;
        if (format != null) {
            if (!g.formats().formats().containsKey(format)) {
                throw new UsageException("unknown dataset format '" + format + "'; available formats: " + g.formats().formats().keySet());
            }
            f = g.formats().get(format);
        } else {
            try {
                f = g.formats().detect(path);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        boolean collect = skip && skipped != null;
        List<Example> examples;
        int bad = 0;
        try {
            Dataset d = Dataset.read(f, path, options, null, collect ? BadRowPolicy.COLLECT : BadRowPolicy.FAIL);
            if (collect) {
                bad = d.badRows().size();
                skipped.addAll(d.badRows());
                d = d.withoutBadRows();
            }
            examples = d.examples();
        } catch (BadRowsException e) {
            // bad records: a bad argument, exit code 2, listed by file and line as the API lists them
            throw new UsageException(e.getMessage()
                    + "\n(-D bad-images=skip leaves bad files out and lists them, in formats that take the option)");
        } catch (IOException | IllegalArgumentException e) {
            // data that cannot be read as this format (a column name it does not have, a malformed file) or a
            // wrong format option: a bad argument, exit code 2, like bad records
            throw new UsageException("cannot read data " + path + " as " + f.id() + ": " + e.getMessage());
        }
        if (examples.isEmpty()) {
            throw new UsageException("no examples in " + path + " (format " + f.id() + ")"
                    + (bad == 0 ? "" : ": all " + bad + " were bad and skipped"));
        }
        return examples;
    }

    /** {@code --engine}, on every command that runs a model. */
    static final class EngineOption {
        @Option(names = "--engine", paramLabel = "ID",
                description = "engine to run on (default: -Dgraft.engine, GRAFT_ENGINE, then tensorflow); see 'graft list'")
        String engine;
    }
}
