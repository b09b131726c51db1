package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.serve.ModelServer;
import dev.graft.serve.ServeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code graft serve}: the saved models over HTTP until interrupted (SIGINT/SIGTERM shut down gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve saved models over HTTP: POST /models/<name>/predict (Graft JSON), POST /v1/models/<name>:predict "
                + "(TensorFlow Serving REST), GET /healthz, /readyz, /metrics. See docs/serving.md."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    GraftCommand parent;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "[NAME=]DIR",
            description = "a model directory written by 'graft fit', served as NAME (default: the folder's name); repeat for several")
    List<String> models;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all)")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "8501", description = "port (default: ${DEFAULT-VALUE}, TensorFlow Serving's REST port)")
    int port;

    @Option(names = "--max-batch", defaultValue = "32", description = "most inputs merged into one engine call (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", description = "longest a request waits for others to fill its batch once the engine is free (default: ${DEFAULT-VALUE})")
    long maxWaitMs;

    @Option(names = "--batch-workers", defaultValue = "2", description = "engine calls per model in flight at once, each with its "
            + "share of the cores: engine threads = cores / workers unless --threads is given (default: ${DEFAULT-VALUE})")
    int batchWorkers;

    @Option(names = "--max-body-kb", defaultValue = "8192", description = "largest request body in KiB (default: ${DEFAULT-VALUE})")
    long maxBodyKb;

    @Option(names = "--max-inputs", defaultValue = "256", description = "most inputs in one request (default: ${DEFAULT-VALUE})")
    int maxInputs;

    @Option(names = "--http-threads", defaultValue = "64", description = "HTTP request threads: requests in progress at once (default: ${DEFAULT-VALUE})")
    int threads;

    @Mixin
    Args.EngineOption engine;

    @Override
    public Integer call() throws Exception {
        if (batchWorkers < 1) {
            throw new UsageException("--batch-workers: must be at least 1, got " + batchWorkers);
        }
        Graft g = parent.graft();
        String engineId = Args.engine(g, engine.engine);
        Map<String, Path> named = new LinkedHashMap<>();
        for (String m : models) {
            int eq = m.indexOf('=');
            Path dir = Path.of(eq > 0 ? m.substring(eq + 1) : m);
            String name = eq > 0 ? m.substring(0, eq) : String.valueOf(dir.toAbsolutePath().normalize().getFileName());
            Args.modelDir(dir);
            if (named.put(name, dir) != null) {
                throw new UsageException("--model: the name '" + name + "' is given twice; name models with NAME=DIR");
            }
        }
        ServeConfig c;
        try {
            c = ServeConfig.defaults().withHost(host).withPort(port).withBatching(maxBatch, Duration.ofMillis(maxWaitMs))
                    .withBatchWorkers(batchWorkers)
                    .withLimits(maxBodyKb * 1024, maxInputs).withThreads(threads, 4 * threads);
        } catch (IllegalArgumentException e) {
            throw new UsageException("serve: " + e.getMessage());
        }
        ModelServer server = ModelServer.start(g, engineId, named, c);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            stopped.countDown();
        }, "graft-serve-shutdown"));
        parent.out().println("serving " + named.keySet() + " on " + server.uri() + " (engine "
                + server.engine().id() + ", " + batchWorkers + " batch worker(s) per model, " + server.engineSettings().threads()
                + " engine thread(s) each); Ctrl-C stops after answering requests in progress");
        parent.out().flush();
        stopped.await();
        return 0;
    }
}
