package dev.graft.cli.internal;

import dev.graft.core.Graft;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/** The top-level command: holds the streams and one {@link Graft} for its sub-commands. */
@Command(name = "graft", mixinStandardHelpOptions = true, versionProvider = Env.Version.class,
        description = "Transfer learning on pretrained networks, offline.",
        subcommands = {QuickstartCommand.class, ListCommand.class, FitCommand.class, EvaluateCommand.class,
                PredictCommand.class, RecommendCommand.class, ExportCommand.class, ServeCommand.class, picocli.CommandLine.HelpCommand.class})
public final class GraftCommand implements Runnable {
    private final PrintStream out;
    private final PrintStream err;
    private Graft graft;

    public GraftCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    PrintStream out() {
        return out;
    }

    /** Progress and log lines go here, so stdout stays machine-readable. */
    PrintStream err() {
        return err;
    }

    synchronized Graft graft() {
        if (graft == null) {
            graft = Graft.create();
        }
        return graft;
    }

    @Override
    public void run() {
        throw new UsageException("a sub-command is needed: quickstart, list, fit, evaluate, predict, recommend or export");
    }
}
