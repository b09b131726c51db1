package dev.graft.crossengine;

import dev.graft.cli.Main;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Child JVM: runs the {@code graft} command line ({@link Main#run}) with the given arguments, then
 * records which engines this process created and which native libraries it mapped.
 *
 * <p>Arguments: {@code facts.json graft-arguments...}; exits with the command's exit code.
 */
public final class CliMain {
    private CliMain() {
    }

    public static void main(String[] args) throws Exception {
        int code = Main.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
        new RunReport(null, null, List.of(), ProcessFacts.enginesCreated(), ProcessFacts.engineLibraries(), null, List.of())
                .write(Path.of(args[0]));
        System.out.flush();
        System.exit(code);
    }
}
