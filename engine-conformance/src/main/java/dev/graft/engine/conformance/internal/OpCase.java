package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.function.Function;

/**
 * One op configuration to check: its operands (with values), how to add it to a network, and its
 * reference result. Differentiable operands become trainable parameters in gradient checks.
 */
public record OpCase(String name, List<Operand> operands, Builder build, Function<List<Arr>, Arr> reference) {
    /** Adds the op under test given one node per operand. */
    @FunctionalInterface
    public interface Builder {
        Node apply(NetworkBuilder b, List<Node> operands);
    }

    /** An operand: a float parameter that gradients are checked for, or a fixed input (ids, labels). */
    public record Operand(String name, DType dtype, Arr value, Role role) {
        public boolean differentiable() {
            return role == Role.TRAINABLE;
        }
    }

    /** How an operand enters the test network. */
    public enum Role {
        /** A trainable parameter: gradients are checked for it. */
        TRAINABLE,
        /** A non-trainable parameter (BatchNorm moving statistics). */
        STATE,
        /** A fed input (ids, labels, values of non-differentiable ops). */
        INPUT
    }

    public boolean hasGradient() {
        return operands.stream().anyMatch(Operand::differentiable);
    }

    @Override
    public String toString() {
        return name;
    }
}
