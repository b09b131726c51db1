package dev.graft.serve.internal;

/** A request the server answers with {@code status} and a message naming the field, model or limit at fault. */
public final class HttpError extends RuntimeException {
    private final int status;

    public HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static HttpError bad(String field, String problem) {
        return new HttpError(400, "field '" + field + "': " + problem);
    }
}
