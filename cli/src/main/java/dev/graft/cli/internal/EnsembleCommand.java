package dev.graft.cli.internal;

import dev.graft.core.model.TrainedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code graft ensemble}: saved classifiers combined by soft voting (scikit-learn's
 * {@code VotingClassifier(voting="soft", weights=...)}) into one model folder that {@code graft predict},
 * {@code evaluate} and {@code serve} load like any other; each member is copied into it.
 */
@Command(name = "ensemble", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Combine saved classifiers by soft voting: their class probabilities averaged with weights.",
                "Writes a model folder (with a copy of every member) that predict, evaluate and serve load like any other model."},
        footer = {"", "Members must be single-label classifiers over the same labels (matched by name, in any order); the "
                + "ensemble's labels are the first member's. Ensembles do not nest. 'graft export' refuses an ensemble."})
final class EnsembleCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "a member: a model directory written by 'graft fit' (give two or more)")
    List<Path> models = new ArrayList<>();

    @Option(names = "--weights", split = ",", paramLabel = "W",
            description = "one weight per member, in -m order, e.g. 2,1 (default: equal); normalised to sum 1")
    List<String> weights;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "model directory to write; it must not exist or be empty (see --overwrite)")
    Path output;

    @Option(names = "--overwrite", description = "replace an existing model directory (the old one is removed only once "
            + "the new one is in place)")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        List<Double> w = weights(weights, models.size());
        List<TrainedModel.Member> members = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Path dir = models.get(i);
            Args.modelDir(dir);
            TrainedModel m;
            try {
                m = TrainedModel.load(dir);
            } catch (IOException e) {
                throw new UsageException("-m " + dir + ": " + e.getMessage());
            }
            members.add(new TrainedModel.Member(memberName(i, dir), m, w.get(i)));
        }
        TrainedModel e;
        try {
            e = TrainedModel.ensemble(members);
        } catch (IllegalArgumentException ex) {
            throw new UsageException(ex.getMessage());
        }
        try (OutputFolder folder = OutputFolder.claim(output, overwrite, "-o")) {
            e.save(folder.staging());
            folder.commit();
        }
        PrintStream out = parent.out();
        out.printf(Locale.ROOT, "ensemble of %d models, soft voting over labels %s:%n", members.size(), e.labels().labels());
        double sum = w.stream().mapToDouble(Double::doubleValue).sum();
        for (int i = 0; i < members.size(); i++) {
            TrainedModel.Member m = members.get(i);
            out.printf(Locale.ROOT, "  %-28s weight %s (%.1f %%)  %s / %s, from %s%n", "members/" + m.name(),
                    String.format(Locale.ROOT, "%.4g", m.weight()).replaceAll("\\.?0+(e|$)", "$1"),
                    100 * m.weight() / sum, m.model().manifest().backbone().name(), m.model().manifest().strategy().name(),
                    models.get(i).toAbsolutePath());
        }
        out.println("model:  " + output.toAbsolutePath());
        return 0;
    }

    /** The member's folder name inside the ensemble: its position and its own folder's name. */
    static String memberName(int i, Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        String base = name == null ? "model" : name.toString().replaceAll("[^A-Za-z0-9._-]", "_").replaceFirst("^\\.+", "");
        return (i + 1) + "-" + (base.isEmpty() ? "model" : base);
    }

    /** The weights given (one per member) or equal ones; {@code TrainedModel.ensemble} checks their values. */
    static List<Double> weights(List<String> given, int members) {
        if (members < 2) {
            throw new UsageException("an ensemble needs at least two members: give -m twice or more (got " + members + ")");
        }
        if (given == null) {
            return java.util.Collections.nCopies(members, 1.0);
        }
        if (given.size() != members) {
            throw new UsageException("--weights has " + given.size() + " value(s) for " + members + " members (-m); give one per member");
        }
        List<Double> w = new ArrayList<>();
        for (String s : given) {
            try {
                w.add(Double.parseDouble(s.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException("--weights: '" + s + "' is not a number");
            }
        }
        try {
            TrainedModel.checkEnsembleWeights(w, "--weights"); // before any member is loaded
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return w;
    }
}
