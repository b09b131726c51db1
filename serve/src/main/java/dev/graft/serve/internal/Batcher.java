package dev.graft.serve.internal;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Merges concurrent requests to one model into engine calls of at most {@code maxBatch} inputs, run by
 * {@code workers} threads per model, so up to that many engine calls are in flight at once (one by default:
 * calls never overlap). One worker at a time forms a batch, from the oldest request on; it goes once it holds
 * its share of the inputs the last round had in flight (that round's inputs over the workers), or
 * {@code maxWait} after the later of its oldest request's arrival and the worker becoming free (see
 * {@link #next}). When a merged call fails, each request in it is retried alone, so one bad input fails only its
 * own request.
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
    private final Thread[] workers;
    /** Held by the worker forming a batch; guards {@link #carried}. */
    private final ReentrantLock forming = new ReentrantLock();
    private volatile boolean closing;
    /** A request that did not fit the last batch formed: the oldest of the next one. */
    private volatile Job carried;
    /** Inputs answered by the last batch plus those waiting and those in other calls when it ended. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Inputs in engine calls now. */
    private final AtomicInteger running = new AtomicInteger();

    /**
     * @param workerStart run on each worker thread before its first engine call, given the number of workers (the
     *                    engine's share of its threads for that worker, see {@code Engine.shareThreads}); a failure there
     *                    is logged and the worker goes on
     */
    Batcher(String model, Predictor predictor, int maxBatch, long maxWaitNanos, int workers, IntConsumer workerStart, Metrics metrics) {
        this(model, predictor, predictor::predict, maxBatch, maxWaitNanos, workers, workerStart, metrics);
    }

    /** With {@code engine} making the calls (the predictor's {@code predict}, or a test's watch on it). */
    Batcher(String model, Predictor predictor, Function<List<Example>, List<Prediction>> engine, int maxBatch,
            long maxWaitNanos, int workers, Metrics metrics) {
        this(model, predictor, engine, maxBatch, maxWaitNanos, workers, n -> { }, metrics);
    }

    Batcher(String model, Predictor predictor, Function<List<Example>, List<Prediction>> engine, int maxBatch,
            long maxWaitNanos, int workers, IntConsumer workerStart, Metrics metrics) {
        if (workers < 1) {
            throw new IllegalArgumentException("batch workers: must be positive, got " + workers);
        }
        this.model = model;
        this.predictor = predictor;
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.metrics = metrics;
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(() -> {
                try {
                    workerStart.accept(workers);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "model '" + model + "': preparing a batch worker failed; it runs with the engine's setting", e);
                }
                run();
            }, "graft-serve-batcher-" + model + (i == 0 ? "" : "-" + (i + 1)));
            t.setDaemon(true);
            this.workers[i] = t;
        }
        for (Thread t : this.workers) {
            t.start();
        }
    }

    Predictor predictor() {
        return predictor;
    }

    /** Queues a request's inputs; the future fails with {@link EngineFailure} if the engine fails on them. */
    CompletableFuture<List<Prediction>> submit(List<Example> inputs) {
        CompletableFuture<List<Prediction>> f = new CompletableFuture<>();
        if (closing) {
            f.completeExceptionally(shuttingDown());
            return f;
        }
        queue.add(new Job(inputs, System.nanoTime(), f));
        return f;
    }

    private void run() {
        long free = System.nanoTime();
        while (true) {
            List<Job> batch;
            int n = 0;
            try {
                forming.lockInterruptibly();
            } catch (InterruptedException e) {
                break;
            }
            try {
                batch = next(free);
                if (batch == null) {
                    if (closing && queue.isEmpty() && carried == null) {
                        break;
                    }
                    continue;
                }
                for (Job j : batch) {
                    n += j.inputs().size();
                }
                running.addAndGet(n);
            } catch (InterruptedException e) {
                break;
            } finally {
                forming.unlock();
            }
            execute(batch, n);
            free = System.nanoTime();
        }
    }

    /**
     * The next batch, formed by a worker free since {@code free}: the oldest request plus those that fit. It goes as
     * soon as it holds its share of the inputs the last round had in flight (those the last batch answered, those
     * waiting and those in other calls when it ended, over the workers; at most {@code maxBatch}), or {@code maxWait}
     * after the later of the oldest request's arrival and {@code free}. So requests that queued while a batch ran
     * wait for the clients just answered to send their next ones and go with them, instead of running as a second,
     * smaller batch; a lone client's request goes at once.
     */
    private List<Job> next(long free) throws InterruptedException {
        Job first = carried != null ? carried : queue.poll(50, TimeUnit.MILLISECONDS);
        carried = null;
        if (first == null) {
            return null;
        }
        List<Job> batch = new ArrayList<>();
        batch.add(first);
        int n = first.inputs().size();
        int target = Math.min(maxBatch, Math.max(1, (inFlight.get() + workers.length - 1) / workers.length));
        long deadline = (free - first.arrived() > 0 ? free : first.arrived()) + maxWaitNanos;
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

    /** When a call of {@code n} inputs ends, before it is answered: that round's inputs (the call's, waiting, in other calls). */
    private void finished(int n) {
        Job c = carried;
        int waiting = c == null ? 0 : c.inputs().size();
        for (Job j : queue) {
            waiting += j.inputs().size();
        }
        inFlight.set(n + waiting + running.addAndGet(-n));
    }

    /** Runs a batch of {@code n} inputs; if the merged call fails, each request alone. */
    private void execute(List<Job> batch, int n) {
        List<Example> all = new ArrayList<>(n);
        batch.forEach(j -> all.addAll(j.inputs()));
        List<Prediction> out;
        try {
            out = engine.apply(all);
        } catch (RuntimeException | Error e) {
            finished(n);
            if (batch.size() == 1) {
                fail(batch.get(0), e);
            } else {
                batch.forEach(this::alone);
            }
            return;
        }
        metrics.batch(model, n);
        finished(n);
        int from = 0;
        for (Job j : batch) {
            j.result().complete(List.copyOf(out.subList(from, from + j.inputs().size())));
            from += j.inputs().size();
        }
    }

    private void alone(Job j) {
        List<Prediction> out;
        try {
            out = engine.apply(j.inputs());
        } catch (RuntimeException | Error e) {
            fail(j, e);
            return;
        }
        metrics.batch(model, j.inputs().size());
        j.result().complete(List.copyOf(out));
    }

    private void fail(Job j, Throwable e) {
        LOG.log(Level.WARNING, "model '" + model + "': prediction failed", e);
        j.result().completeExceptionally(new EngineFailure(model, e));
        if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
            throw vme;
        }
    }

    /** The refusal of a request that arrives, or is still queued, while the model shuts down. */
    private HttpError shuttingDown() {
        return new HttpError(503, "model '" + model + "' is shutting down");
    }

    /**
     * Stops taking requests, finishes those queued, then stops the workers (waiting at most 10 s in all); a request
     * still queued then is refused with a 503 rather than left hanging.
     */
    @Override
    public void close() {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : workers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread t : workers) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        Job c = carried;
        if (c != null && !c.result().isDone()) {
            c.result().completeExceptionally(shuttingDown());
        }
        for (Job j; (j = queue.poll()) != null;) {
            j.result().completeExceptionally(shuttingDown());
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
