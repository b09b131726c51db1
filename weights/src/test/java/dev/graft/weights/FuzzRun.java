package dev.graft.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs fuzz cases one at a time on a daemon worker, each under a time bound, and sorts them: loaded,
 * refused with a {@link WeightFileException} naming the file, or a failure (any other throwable, or
 * no answer in time).
 */
final class FuzzRun implements AutoCloseable {
    private final long timeoutMs;
    private final ExecutorService exec;
    int loaded;
    int refused;
    long slowestMs;
    final List<String> failures = new ArrayList<>();

    FuzzRun(String threadName, long timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs one case. {@code file} is what a refusal must name. Returns false when the case did not
     * answer in time (the worker may still be busy: stop the run).
     */
    boolean run(String label, String file, Callable<?> body) throws InterruptedException {
        long t0 = System.nanoTime();
        Future<?> f = exec.submit(body);
        try {
            f.get(timeoutMs, TimeUnit.MILLISECONDS);
            loaded++;
        } catch (TimeoutException e) {
            f.cancel(true);
            failures.add(label + ": no answer within " + timeoutMs + " ms");
            return false;
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof WeightFileException && t.getMessage().contains(file)) {
                refused++;
            } else {
                failures.add(label + ": " + t + " at "
                        + Arrays.toString(Arrays.copyOf(t.getStackTrace(), Math.min(4, t.getStackTrace().length))));
            }
        }
        slowestMs = Math.max(slowestMs, (System.nanoTime() - t0) / 1_000_000);
        return true;
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
