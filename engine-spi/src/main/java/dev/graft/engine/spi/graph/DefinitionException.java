package dev.graft.engine.spi.graph;

/** A network definition is invalid: a shape mismatch, an unknown name, a bad attribute. */
public final class DefinitionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String layer;

    public DefinitionException(String layer, String message) {
        super("layer '" + layer + "': " + message);
        this.layer = layer;
    }

    /** The scoped name of the layer at fault. */
    public String layer() {
        return layer;
    }
}
