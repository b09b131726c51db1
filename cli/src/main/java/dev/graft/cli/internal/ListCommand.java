package dev.graft.cli.internal;

import dev.graft.core.Catalog;
import dev.graft.core.spi.WeightsStatus;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code graft list}: every engine, strategy, backbone, head and dataset format found. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List engines, strategies, backbones, heads and dataset formats found, with module and version.")
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Override
    public Integer call() {
        PrintStream out = parent.out();
        Catalog c = parent.graft().catalog();
        for (Catalog.Kind k : Catalog.Kind.values()) {
            var entries = c.entries(k);
            out.println(switch (k) {
                case ENGINE -> "Engines";
                case STRATEGY -> "Strategies";
                case BACKBONE -> "Backbones";
                case HEAD -> "Heads";
                case DATASET_FORMAT -> "Dataset formats";
            } + " (" + entries.size() + "):");
            out.printf("  %-30s %-32s %s%n", "id", "module", "version");
            for (Catalog.Entry e : entries) {
                out.printf("  %-30s %-32s %s%n", e.info().id(), e.info().module(), e.info().version());
                if (k == Catalog.Kind.STRATEGY) {
                    out.println("      " + parent.graft().strategies().get(e.info().id()).description());
                }
                if (k == Catalog.Kind.BACKBONE) {
                    WeightsStatus w = parent.graft().backbones().provider(e.info().id()).weightsStatus(e.info().id());
                    out.println("      pretrained weights: " + w.label() + (w.howTo().isBlank() ? "" : ". " + w.howTo()));
                }
            }
            out.println();
        }
        return 0;
    }
}
