/** {@code graft serve}: an HTTP server for saved models, on the JDK's built-in HTTP server. */
module dev.graft.serve {
    requires transitive dev.graft.core;
    requires com.google.gson;
    requires jdk.httpserver;
    requires java.desktop;
    requires java.logging;

    exports dev.graft.serve;
}
