package dev.graft.core.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Service-provider interface for reading labelled data. Found by ServiceLoader. */
public interface DatasetFormat {
    /** e.g. {@code csv}, {@code image-folder}, {@code jsonl}. */
    String id();

    /** Whether this format can read {@code path} (by extension or layout). */
    boolean accepts(Path path);

    /**
     * Reads every example. Rows or files that cannot be read are returned as problems (with file
     * and line), never dropped silently; the caller's policy decides whether they are fatal.
     */
    Result read(Path path, Map<String, String> options) throws IOException;

    /** Reads every example within a run's context (cache root, seed); by default as {@link #read(Path, Map)}. */
    default Result read(Path path, Map<String, String> options, RunContext context) throws IOException {
        return read(path, options);
    }

    /** Examples read plus the problems met. */
    record Result(List<Example> examples, List<Problem> problems) {
        public Result {
            examples = List.copyOf(examples);
            problems = List.copyOf(problems);
        }
    }

    /** A bad row or file: where, and what is wrong. */
    record Problem(String source, String message) {
        @Override
        public String toString() {
            return source + ": " + message;
        }
    }
}
