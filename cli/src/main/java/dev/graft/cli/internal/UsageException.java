package dev.graft.cli.internal;

/** A bad argument: exit code 2, the message shown as is. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
