package dev.graft.vision.image;

/** An image file that cannot be used: unreadable, corrupt, not an image, or too large. */
public final class BadImageException extends RuntimeException {
    private final String path;
    private final String reason;

    public BadImageException(String path, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
        this.reason = message;
    }

    public BadImageException(String path, String message) {
        this(path, message, null);
    }

    /** The file at fault. */
    public String path() {
        return path;
    }

    /** What is wrong, without the path (for messages that name the file already). */
    public String reason() {
        return reason;
    }
}
