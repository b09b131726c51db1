package dev.graft.core.spi;

import dev.graft.engine.spi.train.ParamGroup;
import java.util.List;

/**
 * From {@code startEpoch} (0-based) on, train with these parameter groups. Groups are matched in
 * order; parameters no group selects train at the head learning rate.
 */
public record Phase(int startEpoch, String description, List<ParamGroup> groups) {
    public Phase {
        groups = List.copyOf(groups);
        if (startEpoch < 0) {
            throw new IllegalArgumentException("phase start epoch must be >= 0, got " + startEpoch);
        }
    }
}
