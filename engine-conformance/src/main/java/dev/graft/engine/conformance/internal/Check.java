package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.HostTensor;
import java.util.Arrays;

/** Assertions with messages that name the element at fault. Tolerances are stated where used. */
final class Check {
    private Check() {
    }

    static void close(String what, Arr expected, Arr actual, double rtol, double atol) {
        if (!Arrays.equals(expected.shape, actual.shape)) {
            throw new AssertionError(what + ": shape " + Arrays.toString(actual.shape) + ", expected " + Arrays.toString(expected.shape));
        }
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.v[i];
            double a = actual.v[i];
            if (!(Math.abs(e - a) <= atol + rtol * Math.abs(e))) {
                throw new AssertionError(String.format("%s: element %s is %.8g, reference %.8g (|diff| %.3g > atol %.1g + rtol %.1g * |ref|)",
                        what, Arrays.toString(expected.index(i)), a, e, Math.abs(e - a), atol, rtol));
            }
        }
    }

    static void close(String what, double expected, double actual, double rtol, double atol) {
        if (!(Math.abs(expected - actual) <= atol + rtol * Math.abs(expected))) {
            throw new AssertionError(String.format("%s: %.8g, expected %.8g (|diff| %.3g)", what, actual, expected,
                    Math.abs(expected - actual)));
        }
    }

    static void bitEqual(String what, HostTensor expected, HostTensor actual) {
        if (!expected.bitEquals(actual)) {
            throw new AssertionError(what + ": not bit-identical: expected " + expected + ", got " + actual);
        }
    }

    static void isTrue(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
