/** The example program of docs/java-api.md: train, evaluate, save, load and predict with Graft's Java API. */
module dev.graft.example {
    requires dev.graft.core; // Graft, Pipeline, Dataset, Evaluation, Predictor (the NLP plugin and the engine are found at run time)
    requires java.logging;   // to quiet DJL's GPU probe
}
