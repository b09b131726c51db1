/** ResNet and VGG backbones, weight importers (Keras .h5, safetensors, SavedModel, ONNX) and image datasets. */
module dev.graft.vision {
    requires transitive dev.graft.core;
    requires dev.graft.weights;
    requires ai.djl.api;
    requires io.jhdf;
    requires com.google.gson;
    requires java.desktop;
    requires java.logging;

    exports dev.graft.vision;
    exports dev.graft.vision.weights;
    exports dev.graft.vision.image;

    provides dev.graft.core.spi.BackboneProvider with dev.graft.vision.internal.VisionBackboneProvider;
    provides dev.graft.core.spi.DatasetFormat with dev.graft.vision.internal.ImageFolderFormat,
            dev.graft.vision.internal.ImageCsvFormat, dev.graft.vision.internal.IdxFormat;
}
