package dev.graft.core.spi;

import java.util.Map;

/**
 * Service-provider interface for transfer-learning strategies. A strategy never touches an
 * engine: it only plans which parameter groups train, how fast, and when.
 */
public interface TransferStrategy {
    /** e.g. {@code feature-extraction}, {@code fine-tuning}, {@code hybrid}. */
    String id();

    /** One line for listings. */
    String description();

    /**
     * Validates options and makes a plan.
     *
     * @throws IllegalArgumentException naming the bad option and the valid choices
     */
    TransferPlan plan(PlanContext context, Map<String, String> options);

    /** Plans within a run's context (seed, cache root); by default as {@link #plan(PlanContext, Map)}. */
    default TransferPlan plan(PlanContext context, Map<String, String> options, RunContext run) {
        return plan(context, options);
    }
}
