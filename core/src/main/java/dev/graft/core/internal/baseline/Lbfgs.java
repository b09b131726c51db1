package dev.graft.core.internal.baseline;

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a
 * backtracking line search on the Armijo condition, for smooth convex objectives. Stops when the
 * largest absolute gradient entry is at most the tolerance.
 */
final class Lbfgs {
    /** The objective: returns f(x) and writes the gradient into g. */
    interface Function {
        double valueAndGradient(double[] x, double[] g);
    }

    record Result(double[] x, double value, double gradientNorm, int iterations, boolean converged) {
    }

    private Lbfgs() {
    }

    static Result minimize(Function f, double[] x0, int memory, double tolerance, int maxIterations) {
        int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        double[][] s = new double[memory][];
        double[][] yv = new double[memory][];
        double[] rho = new double[memory];
        int stored = 0;
        int head = 0;
        double[] dir = new double[n];
        double[] alpha = new double[memory];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int it = 0;
        while (true) {
            double gInf = maxAbs(g);
            if (gInf <= tolerance) {
                return new Result(x, fx, gInf, it, true);
            }
            if (it >= maxIterations) {
                return new Result(x, fx, gInf, it, false);
            }
            // two-loop recursion: dir = -H g
            for (int i = 0; i < n; i++) {
                dir[i] = -g[i];
            }
            for (int m = 0; m < stored; m++) {
                int j = Math.floorMod(head - 1 - m, memory);
                alpha[j] = rho[j] * dot(s[j], dir);
                axpy(-alpha[j], yv[j], dir);
            }
            double gamma = 1;
            if (stored > 0) {
                int last = Math.floorMod(head - 1, memory);
                gamma = dot(s[last], yv[last]) / dot(yv[last], yv[last]);
            }
            for (int i = 0; i < n; i++) {
                dir[i] *= gamma;
            }
            for (int m = stored - 1; m >= 0; m--) {
                int j = Math.floorMod(head - 1 - m, memory);
                double beta = rho[j] * dot(yv[j], dir);
                axpy(alpha[j] - beta, s[j], dir);
            }
            double slope = dot(g, dir);
            if (slope >= 0) { // not a descent direction (numerical trouble): restart from steepest descent
                for (int i = 0; i < n; i++) {
                    dir[i] = -g[i];
                }
                slope = dot(g, dir);
                stored = 0;
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
            double fNew;
            int tries = 0;
            while (true) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * dir[i];
                }
                fNew = f.valueAndGradient(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope || ++tries > 60) {
                    break;
                }
                step *= 0.5;
            }
            if (tries > 60 || !(fNew <= fx)) { // no progress possible at double precision
                return new Result(x, fx, maxAbs(g), it, false);
            }
            double[] sk = new double[n];
            double[] yk = new double[n];
            for (int i = 0; i < n; i++) {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
                s[head] = sk;
                yv[head] = yk;
                rho[head] = 1 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            it++;
        }
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }
}
