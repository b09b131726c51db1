package dev.graft.core.internal.strategies;

import dev.graft.core.spi.BatchNormPolicy;
import dev.graft.core.strategy.StrategyOptions;
import java.util.List;

/** The {@code batchNorm} option shared by the fine-tuning strategies. */
final class BatchNormOption {
    static final String KEY = "batchNorm";

    private BatchNormOption() {
    }

    static BatchNormPolicy read(StrategyOptions o, BatchNormPolicy def) {
        String v = o.choice(KEY, def == BatchNormPolicy.FROZEN ? "frozen" : def == BatchNormPolicy.AFFINE_ONLY ? "affine" : "train",
                List.of("frozen", "affine", "train"));
        return switch (v) {
            case "frozen" -> BatchNormPolicy.FROZEN;
            case "affine" -> BatchNormPolicy.AFFINE_ONLY;
            default -> BatchNormPolicy.TRAIN;
        };
    }
}
