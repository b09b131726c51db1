package dev.graft.core.spi;

/** What a head predicts. */
public enum Task {
    /** One label of many (softmax). */
    CLASSIFICATION,
    /** Any subset of labels (sigmoid per label). */
    MULTI_LABEL,
    /** Real values (mean squared error). */
    REGRESSION
}
