package dev.graft.serve.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's metrics in Prometheus text format 0.0.4: requests by model, endpoint and status code,
 * request latency and batch size histograms by model, errors by model and kind, requests in progress.
 * Model names are restricted to {@code [A-Za-z0-9._-]}, so label values need no escaping.
 */
public final class Metrics {
    private static final double[] LATENCY = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] BATCH = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, Histogram> batches = new ConcurrentHashMap<>();
    private final AtomicInteger inProgress = new AtomicInteger();

    void request(String model, String endpoint, int status, double seconds) {
        requests.computeIfAbsent("model=\"" + model + "\",endpoint=\"" + endpoint + "\",code=\"" + status + "\"",
                k -> new LongAdder()).increment();
        if (!model.isEmpty()) {
            latency.computeIfAbsent(model, k -> new Histogram(LATENCY)).observe(seconds);
        }
        if (status >= 400) {
            error(model, status >= 500 ? (status == 503 ? "unavailable" : "server") : "client");
        }
    }

    void error(String model, String kind) {
        errors.computeIfAbsent("model=\"" + model + "\",kind=\"" + kind + "\"", k -> new LongAdder()).increment();
    }

    void batch(String model, int size) {
        batches.computeIfAbsent(model, k -> new Histogram(BATCH)).observe(size);
    }

    AtomicInteger inProgress() {
        return inProgress;
    }

    /** The exposition text. */
    public String render() {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP graft_serve_requests_total HTTP requests answered, by model, endpoint and status code.\n");
        sb.append("# TYPE graft_serve_requests_total counter\n");
        requests.forEach((k, v) -> sb.append("graft_serve_requests_total{").append(k).append("} ").append(v.sum()).append('\n'));
        sb.append("# HELP graft_serve_errors_total Requests answered with an error, by model and kind "
                + "(client: 4xx, server: 5xx engine failure, unavailable: 503 while loading or shutting down).\n");
        sb.append("# TYPE graft_serve_errors_total counter\n");
        errors.forEach((k, v) -> sb.append("graft_serve_errors_total{").append(k).append("} ").append(v.sum()).append('\n'));
        sb.append("# HELP graft_serve_request_duration_seconds Time from request start to response sent, by model.\n");
        sb.append("# TYPE graft_serve_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((m, h) -> h.render(sb, "graft_serve_request_duration_seconds", "model=\"" + m + "\""));
        sb.append("# HELP graft_serve_batch_size Inputs per engine call, by model.\n");
        sb.append("# TYPE graft_serve_batch_size histogram\n");
        new TreeMap<>(batches).forEach((m, h) -> h.render(sb, "graft_serve_batch_size", "model=\"" + m + "\""));
        sb.append("# HELP graft_serve_requests_in_progress Prediction requests accepted and not yet answered.\n");
        sb.append("# TYPE graft_serve_requests_in_progress gauge\n");
        sb.append("graft_serve_requests_in_progress ").append(inProgress.get()).append('\n');
        return sb.toString();
    }
}
