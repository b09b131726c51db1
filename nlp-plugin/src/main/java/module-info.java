/** BERT and RoBERTa encoders, their pretrained weights, tokenizers and text datasets. */
module dev.graft.nlp {
    requires transitive dev.graft.core;
    requires transitive dev.graft.weights;
    requires ai.djl.api;
    requires ai.djl.tokenizers;
    requires com.google.gson;
    requires java.logging;

    exports dev.graft.nlp;


    provides dev.graft.core.spi.BackboneProvider with dev.graft.nlp.internal.NlpBackboneProvider;
    provides dev.graft.core.spi.DatasetFormat with dev.graft.nlp.internal.CsvTextFormat,
            dev.graft.nlp.internal.TsvTextFormat, dev.graft.nlp.internal.JsonlTextFormat;
}
