package dev.graft.serve;

import dev.graft.engine.spi.EngineSettings;
import java.time.Duration;

/**
 * How a {@link ModelServer} listens, batches and limits.
 *
 * @param host          address to bind (e.g. {@code 127.0.0.1}, or {@code 0.0.0.0} for every interface)
 * @param port          port to bind; 0 picks a free one ({@link ModelServer#port()} tells which)
 * @param maxBatch      most inputs one engine call takes; concurrent requests to a model are merged up to this
 * @param maxWait       longest a request waits for others to fill its batch once a batch worker is free
 * @param batchWorkers  engine calls per model in flight at once (threads that each form a batch and run it)
 * @param maxBodyBytes  largest request body accepted (413 above it)
 * @param maxInstances  most inputs one request may carry (413 above it)
 * @param threads       request handler threads (each waits for its batch: bounds the requests in progress)
 * @param queue         connections waiting for a handler thread beyond {@code threads}; more are closed
 * @param drainTimeout  how long shutdown waits for accepted requests to finish
 */
public record ServeConfig(String host, int port, int maxBatch, Duration maxWait, int batchWorkers, long maxBodyBytes,
                          int maxInstances, int threads, int queue, Duration drainTimeout) {
    public ServeConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host: must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: must be 0 to 65535, got " + port);
        }
        positive("maxBatch", maxBatch);
        positive("batchWorkers", batchWorkers);
        positive("maxInstances", maxInstances);
        positive("threads", threads);
        if (queue < 0) {
            throw new IllegalArgumentException("queue: must be zero or positive, got " + queue);
        }
        if (maxBodyBytes < 64) {
            throw new IllegalArgumentException("maxBodyBytes: must be at least 64, got " + maxBodyBytes);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait: must be zero or positive, got " + maxWait);
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: must be zero or positive, got " + drainTimeout);
        }
    }

    /**
     * Loopback, port 8501 (TensorFlow Serving's REST port), batches of 32 within 5 ms, two batch workers (one batch is
     * formed, answered and tokenised while the other runs; docs/serving.md), 8 MiB bodies.
     */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8501, 32, Duration.ofMillis(5), 2, 8L << 20, 256, 64, 256, Duration.ofSeconds(30));
    }

    /**
     * Engine settings for serving with {@code workers} batch workers per model. Where {@code base} leaves the threads of
     * one operation to the engine (0), each worker gets the cores divided among the workers, at least one, so that the
     * workers' calls in flight use each core once between them, as a serving system divides the cores among its
     * workers. On TensorFlow that sizes the process-wide intra-op pool when the engine first loads; with one thread per
     * worker each worker's call then runs wholly in the worker's thread (docs/serving.md). Threads set in {@code base}
     * are kept.
     */
    public static EngineSettings engineSettings(EngineSettings base, int workers) {
        positive("workers", workers);
        return base.sharedBy(workers);
    }

    public ServeConfig withHost(String h) {
        return new ServeConfig(h, port, maxBatch, maxWait, batchWorkers, maxBodyBytes, maxInstances, threads, queue, drainTimeout);
    }

    public ServeConfig withPort(int p) {
        return new ServeConfig(host, p, maxBatch, maxWait, batchWorkers, maxBodyBytes, maxInstances, threads, queue, drainTimeout);
    }

    public ServeConfig withBatching(int max, Duration wait) {
        return new ServeConfig(host, port, max, wait, batchWorkers, maxBodyBytes, maxInstances, threads, queue, drainTimeout);
    }

    /** {@code workers} engine calls per model at once (1: calls never overlap). */
    public ServeConfig withBatchWorkers(int workers) {
        return new ServeConfig(host, port, maxBatch, maxWait, workers, maxBodyBytes, maxInstances, threads, queue, drainTimeout);
    }

    public ServeConfig withLimits(long bodyBytes, int instances) {
        return new ServeConfig(host, port, maxBatch, maxWait, batchWorkers, bodyBytes, instances, threads, queue, drainTimeout);
    }

    public ServeConfig withThreads(int t, int q) {
        return new ServeConfig(host, port, maxBatch, maxWait, batchWorkers, maxBodyBytes, maxInstances, t, q, drainTimeout);
    }

    public ServeConfig withDrainTimeout(Duration d) {
        return new ServeConfig(host, port, maxBatch, maxWait, batchWorkers, maxBodyBytes, maxInstances, threads, queue, d);
    }

    private static void positive(String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": must be positive, got " + v);
        }
    }
}
