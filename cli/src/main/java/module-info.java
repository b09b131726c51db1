/** The graft command line. */
module dev.graft.cli {
    requires dev.graft.core;
    requires info.picocli;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires java.logging;

    opens dev.graft.cli to info.picocli;
    opens dev.graft.cli.internal to info.picocli;
}
