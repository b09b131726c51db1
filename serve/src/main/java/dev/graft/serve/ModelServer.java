package dev.graft.serve;

import dev.graft.core.Graft;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.serve.internal.Service;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves saved models over HTTP: Graft's JSON predict endpoint ({@code POST /models/<name>/predict}),
 * TensorFlow Serving's REST predict ({@code POST /v1/models/<name>:predict}), health
 * ({@code /healthz}), readiness ({@code /readyz}) and Prometheus metrics ({@code /metrics}).
 * Models are loaded and run exactly as {@code graft predict} does ({@link TrainedModel#load},
 * {@link Predictor#open}) on the engine the registry picks for {@code engineId} (null: the
 * {@code graft.engine} property, {@code GRAFT_ENGINE}, then the provider rank). See docs/serving.md.
 */
public final class ModelServer implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final Service service;
    private final String host;
    private final Engine engine;
    private final EngineSettings engineSettings;
    private boolean stopped;

    private ModelServer(Service service, String host, Engine engine, EngineSettings engineSettings) {
        this.service = service;
        this.host = host;
        this.engine = engine;
        this.engineSettings = engineSettings;
    }

    /**
     * Binds, then loads every model (name to saved-model folder); returns once all are loaded and the
     * server is ready. A model that fails to load stops the server and throws, naming the model. The engine is
     * created with {@link ServeConfig#engineSettings}: each batch worker gets its share of the cores unless the
     * graft's settings give the threads (TensorFlow's pools keep the size of the process's first engine).
     */
    public static ModelServer start(Graft graft, String engineId, Map<String, Path> models, ServeConfig config) throws IOException {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no models to serve");
        }
        for (String n : models.keySet()) {
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("model name '" + n + "': use letters, digits, '.', '_' and '-' only");
            }
        }
        Map<String, Path> copy = new LinkedHashMap<>(models);
        EngineSettings settings = ServeConfig.engineSettings(graft.engines().settings(), config.batchWorkers());
        Engine engine = graft.engines().get(engineId, settings);
        Service s = new Service(config, new ArrayList<>(copy.keySet()));
        ModelServer server = new ModelServer(s, config.host(), engine, settings);
        try {
            for (Map.Entry<String, Path> e : copy.entrySet()) {
                TrainedModel m;
                try {
                    m = TrainedModel.load(e.getValue());
                } catch (IOException ex) {
                    throw new IOException("model '" + e.getKey() + "' (" + e.getValue() + "): " + ex.getMessage(), ex);
                }
                try {
                    // each batch worker gets its share of the engine's threads (PyTorch: an OpenMP team per calling thread)
                    s.load(e.getKey(), () -> Predictor.open(m, engine, graft.backbones()), engine::shareThreads);
                } catch (RuntimeException ex) {
                    throw new IllegalStateException("model '" + e.getKey() + "' (" + e.getValue() + "): " + ex.getMessage(), ex);
                }
            }
        } catch (IOException | RuntimeException ex) {
            server.close();
            throw ex;
        }
        s.loaded();
        return server;
    }

    /** The engine the models run on. */
    public Engine engine() {
        return engine;
    }

    /** The settings the engine was asked for: the cores divided among the batch workers unless threads were given. */
    public EngineSettings engineSettings() {
        return engineSettings;
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        return service.port();
    }

    /** {@code http://host:port} */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + (h.equals("0.0.0.0") ? "127.0.0.1" : h) + ":" + port());
    }

    /** True when every model is loaded and the server is not shutting down. */
    public boolean ready() {
        return service.ready();
    }

    /** The metrics as {@code /metrics} shows them (Prometheus text format). */
    public String metrics() {
        return service.metrics().render();
    }

    /** Graceful shutdown: refuses new requests (503), finishes accepted ones, frees the engines. Idempotent. */
    public synchronized void shutdown() {
        if (!stopped) {
            stopped = true;
            service.shutdown();
        }
    }

    @Override
    public void close() {
        shutdown();
    }

}
