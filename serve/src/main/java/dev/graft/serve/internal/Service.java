package dev.graft.serve.internal;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.serve.ServeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of the server: routes, admission, body limits, status codes. Runs on the JDK's
 * {@code com.sun.net.httpserver} with a bounded thread pool. Every prediction request is counted in
 * progress from admission until its response is written, which is what shutdown waits for.
 */
public final class Service implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(Service.class.getName());
    private static final Pattern TF_PREDICT = Pattern.compile("/v1/models/([^/:]+)(?:/versions/\\d+)?:predict");
    private static final Pattern TF_STATUS = Pattern.compile("/v1/models/([^/:]+)(?:/versions/\\d+)?");
    private static final Pattern GRAFT_PREDICT = Pattern.compile("/models/([^/:]+)/predict");
    private static final long MAX_PIXELS = 16L * 1024 * 1024;

    private final ServeConfig config;
    private final Metrics metrics = new Metrics();
    private final Inputs inputs;
    private final List<String> names;
    private final Map<String, Batcher> models = new ConcurrentHashMap<>();
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    private final HttpServer http;
    private final ThreadPoolExecutor pool;
    private final AtomicInteger inProgress;
    private volatile boolean draining;
    private volatile boolean loaded;

    static {
        // the JDK server writes response headers and body separately; without TCP_NODELAY the body of a small
        // response can wait for the client's delayed ACK (tens of milliseconds). Read once, when its first server starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Binds and starts answering (health at once; predictions once {@link #load} has loaded their model). */
    public Service(ServeConfig config, List<String> names) throws IOException {
        this.config = config;
        this.names = List.copyOf(names);
        this.inputs = new Inputs(config.maxInstances(), MAX_PIXELS);
        this.inProgress = metrics.inProgress();
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(config.threads(), config.threads(), 60, TimeUnit.SECONDS,
                config.queue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(config.queue()), r -> {
                    Thread t = new Thread(r, "graft-serve-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        try {
            this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), config.queue());
        } catch (IOException e) {
            pool.shutdown();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        http.createContext("/", this);
        http.setExecutor(pool);
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public Metrics metrics() {
        return metrics;
    }

    /**
     * Opens a model's predictor and starts batching for it; {@code workerStart} runs on each batch worker before its
     * first engine call, given the number of workers.
     */
    public void load(String name, java.util.function.Supplier<Predictor> open, java.util.function.IntConsumer workerStart) {
        try {
            Predictor p = open.get();
            models.put(name, new Batcher(name, p, config.maxBatch(), config.maxWait().toNanos(), config.batchWorkers(), workerStart, metrics));
        } catch (RuntimeException e) {
            failed.put(name, String.valueOf(e.getMessage()));
            throw e;
        }
    }

    public void loaded() {
        loaded = true;
    }

    public boolean ready() {
        return loaded && !draining && models.keySet().containsAll(names);
    }

    /**
     * Graceful stop: readiness turns to 503, new prediction requests get 503, accepted ones finish (up to
     * the drain timeout), then the listener closes and the engines are freed.
     */
    public void shutdown() {
        draining = true;
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        while (inProgress.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inProgress.get() > 0) {
            LOG.warning(inProgress.get() + " request(s) still in progress after the drain timeout of " + config.drainTimeout());
        }
        http.stop(0);
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Batcher b : models.values()) {
            try (Predictor p = b.predictor()) {
                b.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing a model", e);
            }
        }
        models.clear();
    }

    @Override
    public void handle(HttpExchange ex) {
        long start = System.nanoTime();
        String path = ex.getRequestURI().getRawPath();
        String model = "";
        String endpoint = "other";
        int status;
        boolean admitted = false;
        try {
            // one pattern tried per request, picked by the path's start (the predict paths are the hot ones)
            Matcher predict = path.startsWith("/models/") ? GRAFT_PREDICT.matcher(path)
                    : path.startsWith("/v1/models/") && path.endsWith(":predict") ? TF_PREDICT.matcher(path) : null;
            if (predict != null && predict.matches()) {
                boolean isTf = predict.pattern() == TF_PREDICT;
                endpoint = isTf ? "tf_predict" : "predict";
                String name = predict.group(1);
                method(ex, "POST");
                Batcher b = model(name);
                model = name;
                inProgress.incrementAndGet();
                admitted = true;
                if (draining) {
                    ex.getResponseHeaders().set("Connection", "close");
                    throw new HttpError(503, "the server is shutting down");
                }
                status = send(ex, 200, isTf ? predictTf(ex, b) : predictGraft(ex, b, name), "application/json");
            } else {
                endpoint = switch (path) {
                    case "/healthz", "/readyz", "/metrics", "/v1/models" -> path.substring(1).replace('/', '_');
                    default -> "other";
                };
                status = route(ex, path);
            }
        } catch (HttpError e) {
            status = sendQuietly(ex, e.status(), Replies.error(e.getMessage()));
        } catch (Batcher.EngineFailure e) {
            status = sendQuietly(ex, 500, Replies.error(e.getMessage()));
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "request " + path, e);
            status = sendQuietly(ex, 500, Replies.error("internal error: " + e));
        } finally {
            ex.close();
            if (admitted) {
                inProgress.decrementAndGet();
            }
        }
        metrics.request(model, endpoint, status, (System.nanoTime() - start) / 1e9);
    }

    private int route(HttpExchange ex, String path) throws IOException {
        switch (path) {
            case "/healthz" -> {
                method(ex, "GET");
                return send(ex, 200, Replies.object(Map.of("status", "alive")), "application/json");
            }
            case "/readyz" -> {
                method(ex, "GET");
                boolean r = ready();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("status", r ? "ready" : draining ? "shutting down" : !failed.isEmpty() ? "failed" : "loading");
                m.put("models", new ArrayList<>(models.keySet()));
                if (!failed.isEmpty()) {
                    m.put("failed", failed);
                }
                return send(ex, r ? 200 : 503, Replies.object(m), "application/json");
            }
            case "/metrics" -> {
                method(ex, "GET");
                return send(ex, 200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
            }
            case "/v1/models" -> {
                method(ex, "GET");
                Map<String, Object> all = new LinkedHashMap<>();
                for (String n : names) {
                    Batcher b = models.get(n);
                    all.put(n, b == null ? Map.of("state", failed.containsKey(n) ? "FAILED" : "LOADING") : describe(b.predictor().model()));
                }
                return send(ex, 200, Replies.object(Map.of("models", all)), "application/json");
            }
            default -> {
                Matcher st = TF_STATUS.matcher(path);
                if (st.matches()) {
                    method(ex, "GET");
                    Batcher b = model(st.group(1));
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("version", "1");
                    s.put("state", "AVAILABLE");
                    s.put("status", Map.of("error_code", "OK", "error_message", ""));
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("model_version_status", List.of(s));
                    body.put("graft", describe(b.predictor().model()));
                    return send(ex, 200, Replies.object(body), "application/json");
                }
                throw new HttpError(404, "no endpoint " + path + "; endpoints: POST /models/<name>/predict, "
                        + "POST /v1/models/<name>:predict, GET /v1/models, /v1/models/<name>, /healthz, /readyz, /metrics");
            }
        }
    }

    private static Map<String, Object> describe(TrainedModel m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("state", "AVAILABLE");
        d.put("input", m.preprocessing().kind().equals("text") ? "text" : "image");
        d.put("task", m.labels().task().name().toLowerCase(java.util.Locale.ROOT));
        d.put("labels", m.labels().labels());
        d.put("backbone", m.manifest().backbone().name());
        if (!m.members().isEmpty()) {
            // an ensemble's own backbone is "ensemble": name what each member is and how much its vote counts
            double sum = m.members().stream().mapToDouble(TrainedModel.Member::weight).sum();
            List<Map<String, Object>> members = new ArrayList<>();
            for (TrainedModel.Member x : m.members()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", x.name());
                e.put("backbone", x.model().manifest().backbone().name());
                e.put("strategy", x.model().manifest().strategy().name());
                e.put("weight", x.weight() / sum);
                members.add(e);
            }
            d.put("voting", "soft");
            d.put("members", members);
        }
        return d;
    }

    private Batcher model(String name) {
        Batcher b = models.get(name);
        if (b != null) {
            return b;
        }
        if (names.contains(name)) {
            throw new HttpError(503, "model '" + name + "': " + (failed.containsKey(name) ? "failed to load: " + failed.get(name) : "still loading"));
        }
        throw new HttpError(404, "model '" + name + "': no such model; serving " + names);
    }

    private String predictGraft(HttpExchange ex, Batcher b, String name) throws IOException {
        TrainedModel m = b.predictor().model();
        JsonObject o = Inputs.object(body(ex));
        Inputs.GraftRequest r = inputs.graft(o, isText(m), m.labels().labels().size());
        List<Prediction> p = await(b.submit(r.examples()));
        return Replies.graft(name, m.labels().task(), p, r.topK() == null ? Math.min(5, m.labels().labels().size()) : r.topK());
    }

    private String predictTf(HttpExchange ex, Batcher b) throws IOException {
        List<Example> in = inputs.tensorflow(Inputs.object(body(ex)), isText(b.predictor().model()));
        return Replies.tensorflow(await(b.submit(in)));
    }

    private static boolean isText(TrainedModel m) {
        return m.preprocessing().kind().equals("text");
    }

    private static List<Prediction> await(java.util.concurrent.CompletableFuture<List<Prediction>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "the server is shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new Batcher.EngineFailure("?", e.getCause());
        }
    }

    /**
     * The request body, refused with 413 beyond the limit (by its Content-Length before reading, else while
     * reading). A refused body of up to {@value #DRAIN_CAP} bytes is read and discarded first, so that the client,
     * still sending, gets to read the 413 instead of a connection reset.
     */
    private byte[] body(HttpExchange ex) throws IOException {
        long max = config.maxBodyBytes();
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = ex.getRequestBody()) {
            byte[] b;
            if (len != null) {
                long n;
                try {
                    n = Long.parseLong(len.trim());
                } catch (NumberFormatException e) {
                    throw new HttpError(400, "header 'Content-Length': not a number: " + len);
                }
                if (n < 0) {
                    throw new HttpError(400, "header 'Content-Length': negative: " + len);
                }
                if (n > max) {
                    refuseLarge(ex, in);
                    throw new HttpError(413, "body: " + n + " bytes, over the limit of " + max + " bytes");
                }
                // the length is known and within the limit: a small body goes into one array of that size, filled in
                // place (reading up to the limit gathered it in 8 KiB chunks and copied them into a third array); a
                // large one is still gathered as it arrives, so a length announced but not sent reserves nothing
                int got;
                try {
                    if (n <= SMALL_BODY) {
                        b = new byte[(int) n];
                        got = in.readNBytes(b, 0, b.length);
                    } else {
                        b = in.readNBytes((int) n);
                        got = b.length;
                    }
                } catch (IOException e) {
                    // the JDK server's stream fails when the connection ends before the announced length
                    throw new HttpError(400, "body: ended before the " + n + " bytes its Content-Length announced (" + e.getMessage() + ")");
                }
                if (got < n) {
                    throw new HttpError(400, "body: ended after " + got + " of the " + n + " bytes its Content-Length announced");
                }
            } else {
                b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
                if (b.length > max) {
                    refuseLarge(ex, in);
                    throw new HttpError(413, "body: over the limit of " + max + " bytes");
                }
            }
            if (b.length == 0) {
                throw new HttpError(400, "body: empty; send a JSON object");
            }
            return b;
        }
    }

    /** Bodies up to this many bytes are read into an array of their announced length at once. */
    private static final long SMALL_BODY = 64 * 1024;

    private static final long DRAIN_CAP = 64L << 20;

    private static void refuseLarge(HttpExchange ex, InputStream in) throws IOException {
        ex.getResponseHeaders().set("Connection", "close");
        byte[] sink = new byte[64 * 1024];
        long left = DRAIN_CAP;
        for (int r; left > 0 && (r = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0;) {
            left -= r;
        }
    }

    private static void method(HttpExchange ex, String m) {
        if (!ex.getRequestMethod().equals(m)) {
            ex.getResponseHeaders().set("Allow", m);
            throw new HttpError(405, "method " + ex.getRequestMethod() + " not allowed on " + ex.getRequestURI().getPath() + "; use " + m);
        }
    }

    private static int send(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
        return status;
    }

    private static int sendQuietly(HttpExchange ex, int status, String body) {
        try {
            return send(ex, status, body, "application/json");
        } catch (IOException | RuntimeException e) {
            // the client went away or the headers were already sent: nothing more to tell it
            return status;
        }
    }
}
