/**
 * Pure-Java readers of pretrained weight files. Reading a file never runs anything in it: no
 * TensorFlow graph, no ONNX graph. Architecture-specific name mapping stays in the plugins.
 */
module dev.graft.weights {
    requires transitive dev.graft.engine.spi;

    exports dev.graft.weights;
}
