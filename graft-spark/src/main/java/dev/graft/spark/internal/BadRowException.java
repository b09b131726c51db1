package dev.graft.spark.internal;

/** A bad row under {@link dev.graft.spark.BadRows#FAIL}: its key and what is wrong. */
public final class BadRowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRowException(String message) {
        super(message);
    }
}
