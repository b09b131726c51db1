package dev.graft.engine.spi.train;

/**
 * Training produced a non-finite loss or gradient. The step's update was not applied, so the
 * parameters are those from before the step.
 */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long step;
    private final String group;

    public NonFiniteLossException(long step, double loss, String group, String parameter) {
        super("non-finite training at step " + step + ": loss = " + loss
                + (group == null ? "" : "; gradients first non-finite in parameter group '" + group
                        + "' (parameter '" + parameter + "')"));
        this.step = step;
        this.group = group;
    }

    public long step() {
        return step;
    }

    /** The parameter group whose gradients went non-finite, or null if only the loss did. */
    public String group() {
        return group;
    }
}
