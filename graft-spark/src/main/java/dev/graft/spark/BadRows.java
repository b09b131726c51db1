package dev.graft.spark;

/**
 * What a row that cannot be processed (null or empty text, an unreadable or missing image) does.
 * Either way it is never dropped silently.
 */
public enum BadRows {
    /**
     * The row stays in the output with null results and a message naming its key in the error
     * column ({@link GraftSpark#ERROR_COLUMN}); good rows have a null error.
     */
    REPORT,
    /** The task, and so the job, fails with the row's key and what is wrong with it. */
    FAIL
}
