package dev.graft.vision.image;

/** An image file that cannot be used: unreadable, corrupt, not an image, or too large. */
public final class BadImageException extends RuntimeException {
    private final String path;

    public BadImageException(String path, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
    }

    public BadImageException(String path, String message) {
        this(path, message, null);
    }

    /** The file at fault. */
    public String path() {
        return path;
    }
}
