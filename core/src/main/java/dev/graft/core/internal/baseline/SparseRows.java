package dev.graft.core.internal.baseline;

/**
 * A sparse matrix in compressed-row form: row {@code i}'s entries are
 * {@code columns[start[i] .. start[i+1])} with values {@code values[...]}, columns ascending.
 */
public record SparseRows(int rows, int columns, int[] start, int[] column, double[] values) {
    public SparseRows {
        if (start.length != rows + 1 || column.length != values.length || start[rows] != values.length) {
            throw new IllegalArgumentException("inconsistent compressed rows: " + rows + " rows, " + values.length + " values");
        }
    }

    /** Whether every row holds every column in order, so {@code values} is the dense row-major matrix. */
    public boolean isDense() {
        if (values.length != (long) rows * columns) {
            return false;
        }
        for (int i = 0; i <= rows; i++) {
            if (start[i] != i * columns) {
                return false;
            }
        }
        for (int p = 0; p < column.length; p++) {
            if (column[p] != p % columns) {
                return false;
            }
        }
        return true;
    }

    /** Row {@code i} as a dense vector (for tests and small checks). */
    public double[] dense(int i) {
        double[] d = new double[columns];
        for (int p = start[i]; p < start[i + 1]; p++) {
            d[column[p]] = values[p];
        }
        return d;
    }

    /** The rows at {@code index}, in that order. */
    public SparseRows select(int[] index) {
        int[] s = new int[index.length + 1];
        for (int r = 0; r < index.length; r++) {
            s[r + 1] = s[r] + start[index[r] + 1] - start[index[r]];
        }
        int[] c = new int[s[index.length]];
        double[] v = new double[c.length];
        for (int r = 0; r < index.length; r++) {
            int from = start[index[r]];
            int len = start[index[r] + 1] - from;
            System.arraycopy(column, from, c, s[r], len);
            System.arraycopy(values, from, v, s[r], len);
        }
        return new SparseRows(index.length, columns, s, c, v);
    }
}
