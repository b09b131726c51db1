/** The graft command line. */
module dev.graft.cli {
    requires dev.graft.core;
    requires dev.graft.serve;
    requires info.picocli;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires java.logging;
    requires jdk.management;

    exports dev.graft.cli;

    opens dev.graft.cli to info.picocli;
    opens dev.graft.cli.internal to info.picocli;

    uses dev.graft.core.spi.BackboneProvider;

    provides dev.graft.core.spi.BackboneProvider with dev.graft.cli.internal.ScratchBackboneProvider;
    provides dev.graft.core.spi.DatasetFormat with dev.graft.cli.internal.DpkgStatusFormat;
}
