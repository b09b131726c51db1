package dev.graft.engine.spi;

import java.util.Arrays;

/**
 * A tensor shape. A dimension of {@code -1} is unknown until run time (typically the batch).
 */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        for (long d : dims) {
            if (d < -1) {
                throw new IllegalArgumentException("invalid dimension " + d + " in " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
    }

    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    public static Shape scalar() {
        return new Shape(new long[0]);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative indices count from the end. */
    public long dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    public long[] dims() {
        return dims.clone();
    }

    public boolean isFullyKnown() {
        for (long d : dims) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    /** Number of elements; fails when a dimension is unknown. */
    public long size() {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalStateException("shape " + this + " has an unknown dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Same shape with dimension {@code i} replaced. */
    public Shape with(int i, long value) {
        long[] d = dims.clone();
        d[i < 0 ? d.length + i : i] = value;
        return new Shape(d);
    }

    /** Whether a concrete shape fits this (possibly partly unknown) shape. */
    public boolean accepts(Shape concrete) {
        if (concrete.rank() != rank()) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0 && dims[i] != concrete.dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] < 0 ? "?" : Long.toString(dims[i]));
        }
        return sb.append(']').toString();
    }
}
