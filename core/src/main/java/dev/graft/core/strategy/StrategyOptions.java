package dev.graft.core.strategy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a strategy's string options with clear errors: an unknown key lists the valid keys, a bad
 * value names the option, the value and what is allowed.
 */
public final class StrategyOptions {
    private final String strategy;
    private final Map<String, String> options;

    private StrategyOptions(String strategy, Map<String, String> options) {
        this.strategy = strategy;
        this.options = Map.copyOf(options);
    }

    /** Checks that every key is one of {@code known}. */
    public static StrategyOptions of(String strategy, Map<String, String> options, Set<String> known) {
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("strategy '" + strategy + "': unknown option '" + k
                        + "'; valid options: " + new TreeSet<>(known));
            }
        }
        return new StrategyOptions(strategy, options);
    }

    public Optional<String> string(String key) {
        String v = options.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** A finite number {@code > 0}. */
    public double positive(String key, double defaultValue) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        double v = number(key, s.get());
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad(key, s.get(), "a positive finite number");
        }
        return v;
    }

    /** A number in {@code (lo, hi]}. */
    public double inRange(String key, double defaultValue, double lo, double hi) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        double v = number(key, s.get());
        if (!(v > lo && v <= hi)) {
            throw bad(key, s.get(), "a number in (" + lo + ", " + hi + "]");
        }
        return v;
    }

    /** A number in {@code [0, 1)}, e.g. a dropout rate. */
    public double fraction(String key, double defaultValue) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        double v = number(key, s.get());
        if (!(v >= 0 && v < 1)) {
            throw bad(key, s.get(), "a number in [0, 1)");
        }
        return v;
    }

    /** A number {@code >= 0}. */
    public double nonNegative(String key, double defaultValue) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        double v = number(key, s.get());
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw bad(key, s.get(), "a finite number >= 0");
        }
        return v;
    }

    /** An integer {@code >= min}. */
    public int integer(String key, int defaultValue, int min) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        int v;
        try {
            v = Integer.parseInt(s.get());
        } catch (NumberFormatException e) {
            throw bad(key, s.get(), "an integer >= " + min);
        }
        if (v < min) {
            throw bad(key, s.get(), "an integer >= " + min);
        }
        return v;
    }

    /** One of {@code choices} (case-insensitive), returned in the case given in {@code choices}. */
    public String choice(String key, String defaultValue, List<String> choices) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        for (String c : choices) {
            if (c.equalsIgnoreCase(s.get())) {
                return c;
            }
        }
        throw bad(key, s.get(), "one of " + choices);
    }

    public boolean bool(String key, boolean defaultValue) {
        return Boolean.parseBoolean(choice(key, Boolean.toString(defaultValue), List.of("true", "false")));
    }

    private double number(String key, String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw bad(key, s, "a number");
        }
    }

    /** An error naming the strategy, the option, the value and what is allowed. */
    public IllegalArgumentException bad(String key, String value, String expected) {
        return new IllegalArgumentException("strategy '" + strategy + "': option " + key + "=" + value
                + " is invalid; expected " + expected);
    }
}
