package dev.graft.serve.internal;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Merges concurrent requests to one model into engine calls of at most {@code maxBatch} inputs. A batch
 * goes once it holds as many inputs as the last round had in flight, or {@code maxWait} after the later of
 * its oldest request's arrival and the engine becoming free (see {@link #next}). One worker thread per model
 * calls the {@link Predictor}, so engine calls never overlap. When a merged call fails, each request in it is
 * retried alone, so one bad input fails only its own request.
 */
final class Batcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Batcher.class.getName());

    /** Inputs of one request and where their predictions go. */
    private record Job(List<Example> inputs, long arrived, CompletableFuture<List<Prediction>> result) {
    }

    private final String model;
    private final Predictor predictor;
    private final Function<List<Example>, List<Prediction>> engine;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Metrics metrics;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closing;
    private Job carried;
    /** Inputs answered by the last batch plus those waiting when it ended: the concurrency the next batch waits for. */
    private int inFlight;
    /** When the last batch ended ({@link System#nanoTime}). */
    private long engineFree = System.nanoTime();

    Batcher(String model, Predictor predictor, int maxBatch, long maxWaitNanos, Metrics metrics) {
        this(model, predictor, predictor::predict, maxBatch, maxWaitNanos, metrics);
    }

    /** With {@code engine} making the calls (the predictor's {@code predict}, or a test's watch on it). */
    Batcher(String model, Predictor predictor, Function<List<Example>, List<Prediction>> engine, int maxBatch,
            long maxWaitNanos, Metrics metrics) {
        this.model = model;
        this.predictor = predictor;
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.metrics = metrics;
        this.worker = new Thread(this::run, "graft-serve-batcher-" + model);
        worker.setDaemon(true);
        worker.start();
    }

    Predictor predictor() {
        return predictor;
    }

    /** Queues a request's inputs; the future fails with {@link EngineFailure} if the engine fails on them. */
    CompletableFuture<List<Prediction>> submit(List<Example> inputs) {
        CompletableFuture<List<Prediction>> f = new CompletableFuture<>();
        if (closing) {
            f.completeExceptionally(new HttpError(503, "model '" + model + "' is shutting down"));
            return f;
        }
        queue.add(new Job(inputs, System.nanoTime(), f));
        return f;
    }

    private void run() {
        while (true) {
            List<Job> batch;
            try {
                batch = next();
            } catch (InterruptedException e) {
                break;
            }
            if (batch == null) {
                if (closing && queue.isEmpty() && carried == null) {
                    break;
                }
                continue;
            }
            execute(batch);
        }
        // anything still queued after an interrupt is refused rather than left hanging
        for (Job j; (j = queue.poll()) != null;) {
            j.result().completeExceptionally(new HttpError(503, "model '" + model + "' is shutting down"));
        }
    }

    /**
     * The next batch: the oldest request plus those that fit. It goes as soon as it holds the inputs the last round
     * had in flight (those the last batch answered plus those waiting when it ended, at most {@code maxBatch}), or
     * {@code maxWait} after the later of the oldest request's arrival and the engine becoming free. So requests that
     * queued while a batch ran wait for the clients just answered to send their next ones and go with them, instead
     * of running as a second, smaller batch; a lone client's request goes at once.
     */
    private List<Job> next() throws InterruptedException {
        Job first = carried != null ? carried : queue.poll(50, TimeUnit.MILLISECONDS);
        carried = null;
        if (first == null) {
            return null;
        }
        List<Job> batch = new ArrayList<>();
        batch.add(first);
        int n = first.inputs().size();
        int target = Math.min(maxBatch, Math.max(1, inFlight));
        long deadline = (engineFree - first.arrived() > 0 ? engineFree : first.arrived()) + maxWaitNanos;
        while (n < maxBatch) {
            Job j = queue.poll();
            if (j == null) {
                long left = deadline - System.nanoTime();
                if (n >= target || left <= 0 || closing) {
                    break;
                }
                j = queue.poll(left, TimeUnit.NANOSECONDS);
                if (j == null) {
                    break;
                }
            }
            if (n + j.inputs().size() > maxBatch) {
                carried = j;
                break;
            }
            batch.add(j);
            n += j.inputs().size();
        }
        return batch;
    }

    /** When a batch of {@code n} inputs ends, before it is answered: that round's inputs (the batch plus those waiting). */
    private void finished(int n) {
        int waiting = carried == null ? 0 : carried.inputs().size();
        for (Job j : queue) {
            waiting += j.inputs().size();
        }
        inFlight = n + waiting;
        engineFree = System.nanoTime();
    }

    private void execute(List<Job> batch) {
        List<Example> all = new ArrayList<>();
        batch.forEach(j -> all.addAll(j.inputs()));
        List<Prediction> out;
        try {
            out = engine.apply(all);
            metrics.batch(model, all.size());
            finished(all.size());
        } catch (RuntimeException | Error e) {
            if (batch.size() == 1) {
                fail(batch.get(0), e);
            } else {
                for (Job j : batch) {
                    execute(List.of(j));
                }
            }
            return;
        }
        int from = 0;
        for (Job j : batch) {
            j.result().complete(List.copyOf(out.subList(from, from + j.inputs().size())));
            from += j.inputs().size();
        }
    }

    private void fail(Job j, Throwable e) {
        LOG.log(Level.WARNING, "model '" + model + "': prediction failed", e);
        if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
            throw vme;
        }
        j.result().completeExceptionally(new EngineFailure(model, e));
    }

    /** Stops taking requests, finishes those queued, then stops the worker (waiting at most 10 s). */
    @Override
    public void close() {
        closing = true;
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            worker.interrupt();
        }
    }

    /** The engine failed on a request's inputs: a 500 that names the model and the cause. */
    static final class EngineFailure extends RuntimeException {
        EngineFailure(String model, Throwable cause) {
            super("model '" + model + "': prediction failed: " + describe(cause), cause);
        }

        private static String describe(Throwable t) {
            String m = t.getMessage();
            return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
        }
    }
}
