package dev.graft.cli.internal;

import dev.graft.core.Graft;
import java.io.PrintStream;
import dev.graft.engine.spi.EngineSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level command: holds the streams and one {@link Graft} for its sub-commands. */
@Command(name = "graft", mixinStandardHelpOptions = true, versionProvider = Env.Version.class,
        description = "Transfer learning on pretrained networks, offline.",
        subcommands = {QuickstartCommand.class, ListCommand.class, FitCommand.class, EvaluateCommand.class,
                PredictCommand.class, RecommendCommand.class, ExportCommand.class, EnsembleCommand.class, ServeCommand.class, SparkCommand.class, picocli.CommandLine.HelpCommand.class})
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

    /** Threads for one operation, on every sub-command ({@code graft fit --threads 2 ...}). */
    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads one operation may use (0 = the engine's default). Also: -Dgraft.threads, GRAFT_THREADS.")
    void threads(int n) {
        if (n < 0) {
            throw new UsageException("--threads must be 0 (the engine's default) or more, got " + n);
        }
        System.setProperty(EngineSettings.THREADS, Integer.toString(n));
    }

    /** Precision of matrix products and convolutions, on every sub-command. */
    @Option(names = "--precision", scope = ScopeType.INHERIT, paramLabel = "fp32|bf16",
            description = "fp32 (default) or bf16 (TensorFlow engine, CPUs with AVX512-BF16 or AMX; measured slower "
                    + "on some, see docs/benchmarks.md). Also: -Dgraft.precision, GRAFT_PRECISION.")
    void precision(String p) {
        try {
            System.setProperty(EngineSettings.PRECISION, EngineSettings.Precision.parse(p, "--precision").toString());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @Override
    public void run() {
        throw new UsageException("a sub-command is needed: quickstart, list, fit, evaluate, predict, recommend, export, serve or spark");
    }
}
