package dev.graft.vision.weights;

/** A weight file could not be imported; the report (when there is one) lists every problem. */
public final class WeightImportException extends RuntimeException {
    private final transient ImportReport report;

    public WeightImportException(String message, ImportReport report) {
        super(report == null ? message : message + "\n" + report.format());
        this.report = report;
    }

    public WeightImportException(String message, Throwable cause) {
        super(message, cause);
        this.report = null;
    }

    /** The mapping report, or null when the file could not be read at all. */
    public ImportReport report() {
        return report;
    }
}
