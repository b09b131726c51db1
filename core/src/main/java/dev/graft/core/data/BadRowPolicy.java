package dev.graft.core.data;

/**
 * What reading a dataset does with rows (or files) that cannot be read: a row with the wrong number
 * of fields, invalid JSON or UTF-8, an empty text or label. Either way no bad row is ever dropped
 * without the program saying so.
 */
public enum BadRowPolicy {
    /** The default: any bad row fails the read with a {@link BadRowsException} listing each by file and line. */
    FAIL,
    /**
     * Read on and collect the bad rows in the {@link Dataset}. Its examples stay out of reach (and a
     * pipeline refuses it) until the program decides, with {@link Dataset#withoutBadRows()}, to use
     * the good rows alone.
     */
    COLLECT
}
