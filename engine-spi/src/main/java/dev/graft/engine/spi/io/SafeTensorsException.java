package dev.graft.engine.spi.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file is missing, truncated or malformed; the message names the file. */
public final class SafeTensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsException(Path file, String message) {
        super(file + ": " + message);
    }
}
