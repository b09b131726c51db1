package dev.graft.core.spi;

/**
 * A named group of backbone layers, ordered bottom (input) to top. Block names are the cut points
 * that hybrid strategies accept, e.g. {@code stem}, {@code layer1}, ..., or {@code encoder.layer_11}.
 *
 * @param name    the cut-point name
 * @param pattern glob over parameter names (see {@link dev.graft.engine.spi.train.ParamGroup}), written
 *                with or without the backbone scope: {@code layer4.**} and {@code backbone.layer4.**}
 *                select the same parameters; {@code re:} patterns are used as written
 */
public record Block(String name, String pattern) {
}
