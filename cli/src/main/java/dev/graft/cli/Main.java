package dev.graft.cli;

import dev.graft.cli.internal.GraftCommand;
import dev.graft.cli.internal.UsageException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The {@code graft} command. Exit codes: 0 success, 2 a bad argument (unknown backbone, strategy,
 * engine or format; unreadable data; invalid option), 1 a failure while running.
 */
public final class Main {
    /** Success. */
    public static final int OK = 0;
    /** The run failed. */
    public static final int FAILURE = 1;
    /** A bad argument. */
    public static final int USAGE = 2;

    private static final java.util.logging.Logger CUDA_PROBE = java.util.logging.Logger.getLogger("ai.djl.util.cuda.CudaUtils");

    private static final java.util.logging.Logger PIPELINE = java.util.logging.Logger.getLogger("dev.graft.core.pipeline.Pipeline");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        quietLogging();
        CommandLine cl = new CommandLine(new GraftCommand(out, err));
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("graft: " + ex.getMessage());
            err.println("Run 'graft " + ex.getCommandLine().getCommandSpec().qualifiedName(" ").replaceFirst("^graft ?", "")
                    .trim() + (ex.getCommandLine().getCommandSpec().qualifiedName().equals("graft") ? "" : " ") + "--help' for usage.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UsageException || ex.getClass() == IllegalArgumentException.class) {
                err.println("graft: " + message(ex));
                if (Boolean.getBoolean("graft.debug")) {
                    ex.printStackTrace(err);
                }
                return USAGE;
            }
            err.println("graft: failed: " + message(ex));
            if (Boolean.getBoolean("graft.debug")) {
                ex.printStackTrace(err);
            } else {
                err.println("(run with GRAFT_JAVA_OPTS=-Dgraft.debug=true for the stack trace)");
            }
            return FAILURE;
        });
        return cl.execute(args);
    }

    /** java.util.logging (and, through slf4j-jdk14, DJL) at WARNING unless -Dgraft.debug=true. */
    private static void quietLogging() {
        if (!Boolean.getBoolean("graft.debug")) {
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            root.setLevel(java.util.logging.Level.WARNING);
            for (java.util.logging.Handler h : root.getHandlers()) {
                h.setLevel(java.util.logging.Level.WARNING);
            }
            // DJL probes for CUDA on every engine load and warns on CPU-only machines
            CUDA_PROBE.setLevel(java.util.logging.Level.SEVERE);
            // the pipeline's warnings reach the command's own output through its listener, once, without a log header
            PIPELINE.setLevel(java.util.logging.Level.SEVERE);
        }
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        Throwable c = t;
        while ((m == null || m.isBlank()) && c.getCause() != null) {
            c = c.getCause();
            m = c.getMessage();
        }
        return m == null || m.isBlank() ? t.getClass().getName() : m;
    }
}
