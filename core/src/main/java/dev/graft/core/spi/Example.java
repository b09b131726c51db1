package dev.graft.core.spi;

/**
 * One labelled example as read from a dataset, before preprocessing.
 *
 * @param source where it came from, for error messages: {@code data/train.csv:12} or an image path
 * @param input  the raw input: a {@link java.nio.file.Path} to an image, a {@link String} text,
 *               or a {@link TextPair} for sentence-pair tasks
 * @param label  the label as written in the data (null when unlabelled, e.g. for prediction)
 */
public record Example(String source, Object input, String label) {
    /** Two texts for sentence-pair tasks. */
    public record TextPair(String first, String second) {
    }
}
