package dev.graft.vision.image;

/** What a run does about images that cannot be read. */
public enum BadImagePolicy {
    /** Stop before training, listing every bad file (the default). */
    FAIL,
    /** Leave bad files out and count them. */
    SKIP;

    /** Parses {@code fail} or {@code skip}. */
    public static BadImagePolicy parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fail" -> FAIL;
            case "skip" -> SKIP;
            default -> throw new IllegalArgumentException("bad-images must be 'fail' or 'skip', got '" + s + "'");
        };
    }
}
