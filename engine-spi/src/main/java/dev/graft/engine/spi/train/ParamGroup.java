package dev.graft.engine.spi.train;

import java.util.regex.Pattern;

/**
 * Parameters selected by name, and how training treats them. A parameter belongs to the first
 * group whose pattern matches; unmatched parameters train with multiplier 1.
 *
 * @param name           label shown in plans and errors
 * @param pattern        glob over parameter names: {@code *} within a dot-separated part,
 *                       {@code **} across parts; or {@code re:...} for a regular expression
 * @param frozen         no gradient is computed or applied
 * @param lrMultiplier   scales the scheduled learning rate
 * @param weightDecay    overrides the optimizer's weight decay (NaN = keep it)
 * @param batchStatistics for BatchNorm layers whose moving statistics match: normalise with
 *                       batch statistics and update the moving ones while training (true), or
 *                       keep using and never change the moving ones (false)
 */
public record ParamGroup(String name, String pattern, boolean frozen, double lrMultiplier, double weightDecay,
        boolean batchStatistics) {
    public ParamGroup {
        if (!(lrMultiplier >= 0) || Double.isInfinite(lrMultiplier)) {
            throw new IllegalArgumentException("group '" + name + "': learning-rate multiplier must be >= 0, got " + lrMultiplier);
        }
        toRegex(pattern);
    }

    public static ParamGroup frozen(String name, String pattern) {
        return new ParamGroup(name, pattern, true, 0, Double.NaN, false);
    }

    public static ParamGroup trainable(String name, String pattern, double lrMultiplier) {
        return new ParamGroup(name, pattern, false, lrMultiplier, Double.NaN, true);
    }

    public ParamGroup withBatchStatistics(boolean on) {
        return new ParamGroup(name, pattern, frozen, lrMultiplier, weightDecay, on);
    }

    public boolean matches(String paramName) {
        return toRegex(pattern).matcher(paramName).matches();
    }

    /** Compiles a group pattern (glob or {@code re:} regex). */
    public static Pattern toRegex(String pattern) {
        if (pattern.startsWith("re:")) {
            return Pattern.compile(pattern.substring(3));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    sb.append(".*");
                    i++;
                } else {
                    sb.append("[^.]*");
                }
            } else if (c == '?') {
                sb.append("[^.]");
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }
}
