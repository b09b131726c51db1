/** Graft's default engine: TensorFlow through Deep Java Library, loaded offline. */
module dev.graft.engine.tensorflow {
    requires dev.graft.engine.spi;
    requires ai.djl.api;
    requires ai.djl.tensorflow_engine;
    requires ai.djl.tensorflow_api;
    requires com.google.protobuf;
    requires org.bytedeco.javacpp;
    requires java.logging;

    provides dev.graft.engine.spi.EngineProvider with dev.graft.engine.tensorflow.internal.TfEngineProvider;
}
