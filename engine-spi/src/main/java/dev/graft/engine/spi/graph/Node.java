package dev.graft.engine.spi.graph;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Shape;
import java.util.List;

/**
 * One op in a network definition: its inputs are earlier nodes (by id), its output shape was
 * inferred and checked when it was defined. {@code name} is the scoped layer path, used in errors.
 */
public record Node(int id, Op op, List<Integer> inputs, Attrs attrs, Shape shape, DType dtype, String name) {
    public Node {
        inputs = List.copyOf(inputs);
    }

    public int input(int i) {
        return inputs.get(i);
    }

    @Override
    public String toString() {
        return "#" + id + " " + op + " '" + name + "' " + dtype + shape;
    }
}
