package dev.graft.serve.bench;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.serve.Http;
import dev.graft.engine.spi.EngineSettings;
import dev.graft.serve.ModelServer;
import dev.graft.serve.ServeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load test of {@code graft serve}: trains a small text classifier on all-minilm-l6-v2 (feature extraction,
 * linear head), saves it, measures the same model's offline batch prediction ({@link Predictor#predict},
 * batches of 32) and serves it on loopback to {@code clients} threads that each send one text per request,
 * back to back, in alternating windows after a warm-up. Reports throughput (and its
 * ratio to offline), p50/p90/p99 latency, errors, the batch sizes the server formed, and the process's
 * resident memory sampled through the run. Clients and server share the JVM and the machine's cores.
 * <p>Arguments: {@code [engine|default] [served-seconds] [clients] [max-wait-ms] [max-batch] [offline-seconds] [rounds]}
 * (defaults: default 60 16 5 32 60 6). The served and offline seconds are split into rounds of one offline window
 * and one served window, the order alternating, so both see the same background load; the ratio is reported
 * over all windows and as the median of the per-round ratios, with the process's CPU time per text in each.
 * The trained model is kept in {@code target/serve-bench} and reused by later runs. {@code -Dbench.warmup=S} sets the
 * seconds of served warm-up (10); {@code -Dbench.offlineChunk=N} the texts per offline call (128);
 * {@code -Dbench.batchWorkers=N} the server's batch workers (its default); {@code -Dbench.client=jdk} makes the
 * clients {@code HttpURLConnection}s instead of the leaner {@link SocketClient}; {@code -Dbench.words=MIN-MAX} the
 * words per text sent (8-14; see {@link #texts(int, long)}). The engine runs as {@code graft serve}
 * runs it ({@link ServeConfig#engineSettings}: the cores divided among the batch workers unless {@code GRAFT_THREADS}
 * is set), and the offline prediction shares that process and engine.
 */
public final class ServeBenchmark {
    private static final String[][] WORDS = {
            {"apple", "banana", "cherry", "grape", "lemon", "mango", "peach", "pear"},
            {"red", "blue", "green", "yellow", "purple", "orange", "violet", "grey"},
            {"dog", "cat", "horse", "sheep", "goat", "mouse", "rabbit", "cow"}};
    private static final String[] FILL = {"the", "a", "very", "nice", "i", "saw", "today", "with", "my", "friend", "and", "some",
            "really", "big", "small", "near", "house", "garden", "we", "liked"};
    private static final String[] CLASSES = {"fruit", "colour", "animal"};

    private ServeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String engine = engineArg(args);
        int seconds = whole(args, 1, 60);
        int clients = whole(args, 2, 16);
        long waitMs = whole(args, 3, 5);
        int maxBatch = whole(args, 4, 32);
        int offlineSeconds = whole(args, 5, seconds);
        int rounds = whole(args, 6, 6);
        // seconds of served warm-up; on loaded cores the JIT compiler may still be busy after 10 s (see the JIT row it prints)
        int warmup = Integer.getInteger("bench.warmup", 10);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim());
        // HttpURLConnection keeps at most 5 idle connections per server by default: one per client thread instead
        System.setProperty("http.maxConnections", Integer.toString(Math.max(5, clients)));
        // engine calls in flight at once per model (graft serve --batch-workers)
        int workers = Integer.getInteger("bench.batchWorkers", ServeConfig.defaults().batchWorkers());
        // the engine as graft serve runs it (the cores divided among the workers unless GRAFT_THREADS says otherwise),
        // set on the Graft because this program loads the engine before the server does and TensorFlow keeps its first pools
        Graft g = Graft.create(ServeConfig.engineSettings(EngineSettings.fromEnvironment(), workers));
        Path dir = Files.createDirectories(Path.of("target", "serve-bench"));
        long t0 = System.nanoTime();
        Path model = dir.resolve("model-" + (engine == null ? "default" : engine));
        if (!Files.isRegularFile(model.resolve(TrainedModel.MANIFEST))) {
            var r = g.pipeline().data(texts(150, 1, 8, 14)).backbone("all-minilm-l6-v2", Map.of("maxLength", "64"))
                .strategy("feature-extraction", Map.of()).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(5).withBatchSize(16)).engine(engine).cacheDir(dir.resolve("cache")).run();
            r.model().save(model);
        }
        String engineId = g.engines().get(engine).id();
        System.out.printf(Locale.ROOT, "model ready (trained and saved, or reused from an earlier run) in %.1f s on engine %s%n", (System.nanoTime() - t0) / 1e9, engineId);

        List<Example> pool = texts(512, 99);
        // texts per offline predict call (Predictor runs them in batches of 32); -Dbench.offlineChunk=8 compares at the served batch size
        int chunk = Integer.getInteger("bench.offlineChunk", 128);
        // the benchmark's HTTP client: "socket" (SocketClient, lean) or "jdk" (HttpURLConnection, as the first results used)
        boolean lean = !System.getProperty("bench.client", "socket").equals("jdk");
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(maxBatch, Duration.ofMillis(waitMs)).withBatchWorkers(workers);
        List<long[]> rss = new ArrayList<>();
        try (Predictor offline = Predictor.open(TrainedModel.load(model), g.engines().get(engine), g.backbones());
             ModelServer server = ModelServer.start(g, engine, Map.of("bench", model), c)) {
            // warm-up of offline prediction: every text of the pool once, in the chunks timed below (an engine may prepare per input shape)
            for (int from = 0; from + chunk <= pool.size(); from += chunk) {
                offline.predict(pool.subList(from, from + chunk));
            }
            AtomicBoolean serving = new AtomicBoolean(true);
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong errs = new AtomicLong();
            AtomicLong done = new AtomicLong();
            List<long[]> perClient = new ArrayList<>();
            int[] counts = new int[clients];
            Thread[] ts = new Thread[clients];
            Object gate = new Object();
            for (int k = 0; k < clients; k++) {
                int client = k;
                long[] mine = new long[1 << 20];
                perClient.add(mine);
                ts[k] = new Thread(() -> {
                    Http http = lean ? null : new Http(server.uri());
                    SocketClient socket = lean ? new SocketClient(server.uri()) : null;
                    Random rnd = new Random(client);
                    while (!stop.get()) {
                        if (!serving.get()) {
                            synchronized (gate) {
                                try {
                                    gate.wait(50);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                            continue;
                        }
                        String t = (String) pool.get(rnd.nextInt(pool.size())).input();
                        long s = System.nanoTime();
                        boolean ok;
                        try {
                            String body = "{\"text\": \"" + t + "\"}";
                            ok = (lean ? socket.post("/models/bench/predict", body) : http.post("/models/bench/predict", body).status()) == 200;
                        } catch (IOException e) {
                            ok = false;
                        }
                        long d = System.nanoTime() - s;
                        if (measuring.get()) {
                            if (!ok) {
                                errs.incrementAndGet();
                            } else {
                                done.incrementAndGet();
                                if (counts[client] < mine.length) {
                                    mine[counts[client]++] = d;
                                }
                            }
                        }
                    }
                    if (socket != null) {
                        socket.close();
                    }
                }, "client-" + k);
                ts[k].start();
            }
            Thread.sleep(warmup * 1000L);
            serving.set(false);
            Thread.sleep(500); // requests in flight finish
            // rounds of one offline window and one served window, the order alternating, so both see the same background load
            double servedWindow = (double) seconds / rounds;
            double offlineWindow = (double) offlineSeconds / rounds;
            double[] servedRate = new double[rounds];
            double[] offlineRate = new double[rounds];
            double[] servedCpu = new double[rounds];
            double[] offlineCpu = new double[rounds];
            long servedTotal = 0;
            double servedTime = 0;
            long offlineTotal = 0;
            double offlineTime = 0;
            Map<String, Long> servedByGroup = new java.util.LinkedHashMap<>();
            Map<String, Long> offlineByGroup = new java.util.LinkedHashMap<>();
            Sampler sampler = new Sampler(rss);
            sampler.start();
            for (int round = 0; round < rounds; round++) {
                for (int part = 0; part < 2; part++) {
                    boolean serve = (part == 0) == (round % 2 == 0);
                    long cpu0 = cpuNanos();
                    ThreadCpu threads0 = ThreadCpu.now();
                    long w0 = System.nanoTime();
                    long n;
                    if (serve) {
                        long before = done.get();
                        measuring.set(true);
                        serving.set(true);
                        synchronized (gate) {
                            gate.notifyAll();
                        }
                        Thread.sleep((long) (servedWindow * 1000));
                        measuring.set(false);
                        serving.set(false);
                        n = done.get() - before;
                    } else {
                        n = predictFor(offline, pool, chunk, (round * chunk) % (pool.size() - chunk + 1), w0, offlineWindow);
                    }
                    double wall = (System.nanoTime() - w0) / 1e9;
                    double cpuMsPerText = (cpuNanos() - cpu0) / 1e6 / Math.max(1, n);
                    Map<String, Long> window = ThreadCpu.now().since(threads0);
                    window.forEach((k, v) -> (serve ? servedByGroup : offlineByGroup).merge(k, v, Long::sum));
                    if (serve) {
                        servedRate[round] = n / wall;
                        servedCpu[round] = cpuMsPerText;
                        servedTotal += n;
                        servedTime += wall;
                        Thread.sleep(500); // the last requests of the window finish before offline work starts
                    } else {
                        offlineRate[round] = n / wall;
                        offlineCpu[round] = cpuMsPerText;
                        offlineTotal += n;
                        offlineTime += wall;
                    }
                    System.out.printf(Locale.ROOT, "round %d %-7s %6.1f texts/s  %6.2f CPU ms/text, JIT %5.2f  (load %s)%n", round + 1,
                            serve ? "served" : "offline", n / wall, cpuMsPerText, window.getOrDefault("JIT", 0L) / 1e6 / Math.max(1, n),
                            Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                }
            }
            sampler.interrupt();
            sampler.join();
            stop.set(true);
            synchronized (gate) {
                gate.notifyAll();
            }
            for (Thread t : ts) {
                t.join();
            }
            String metrics = server.metrics();
            int n = 0;
            for (int k = 0; k < clients; k++) {
                n += counts[k];
            }
            long[] lat = new long[n];
            int at = 0;
            for (int k = 0; k < clients; k++) {
                System.arraycopy(perClient.get(k), 0, lat, at, counts[k]);
                at += counts[k];
            }
            Arrays.sort(lat);
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = servedRate[r] / offlineRate[r];
            }
            double rate = servedTotal / servedTime;
            double off = offlineTotal / offlineTime;
            System.out.println();
            System.out.println("| engine | clients | served s | requests | errors | served texts/s | offline texts/s | ratio | median per-round ratio | CPU ms/text served (with clients) | CPU ms/text offline | p50 ms | p90 ms | p99 ms | mean batch |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %d | %d | %.1f | %.1f | %.0f%% | %.0f%% | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f |%n", engineId, clients,
                    servedTime, servedTotal, errs.get(), rate, off, 100 * rate / off, 100 * median(ratios), median(servedCpu), median(offlineCpu),
                    pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), meanBatch(metrics));
            System.out.println();
            printByThread("served", servedByGroup, servedTotal, offlineByGroup, offlineTotal);
            StringBuilder sb = new StringBuilder("resident memory (MiB) every 5 s after warm-up:");
            for (long[] x : rss) {
                sb.append(String.format(Locale.ROOT, " %ds=%d", x[0], x[1] / 1024));
            }
            System.out.println(sb);
            System.out.println("max batch " + maxBatch + ", max wait " + waitMs + " ms, " + workers + " batch worker(s), engine threads "
                    + g.engines().get(engine).describe().get("threads") + ", " + (lean ? "socket" : "jdk") + " clients, " + rounds + " rounds; load average at end: "
                    + Files.readString(Path.of("/proc/loadavg")).trim());
        }
        TrainedModel.load(model); // the saved model still loads after serving
    }

    /** Samples the process's resident memory every 5 s until interrupted. */
    private static final class Sampler extends Thread {
        private final List<long[]> out;

        Sampler(List<long[]> out) {
            super("rss-sampler");
            setDaemon(true);
            this.out = out;
        }

        @Override
        public void run() {
            long start = System.nanoTime();
            try {
                while (true) {
                    out.add(new long[] {Math.round((System.nanoTime() - start) / 1e9), rssKb()});
                    Thread.sleep(5000);
                }
            } catch (InterruptedException | IOException e) {
                // done
            }
        }
    }

    /**
     * Predicts {@code n} texts of {@code pool} per call, back to back from {@code from} on (wrapping round), until
     * {@code seconds} have passed since {@code since} ({@link System#nanoTime}); returns the texts predicted.
     */
    public static long predictFor(Predictor p, List<Example> pool, int n, int from, long since, double seconds) {
        long texts = 0;
        while (System.nanoTime() - since < seconds * 1e9) {
            p.predict(pool.subList(from, from + n));
            texts += n;
            from = (from + n) % (pool.size() - n + 1);
        }
        return texts;
    }

    /** CPU time of every thread of this process so far (user + system), from /proc/self/stat. */
    public static long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // clock ticks of 10 ms
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    /**
     * CPU milliseconds per text by thread group ({@link ThreadCpu}) of the {@code label} windows against the offline
     * ones, each group's nanoseconds over that side's texts; groups under 0.005 ms on both sides are left out.
     */
    public static void printByThread(String label, Map<String, Long> side, long sideTexts, Map<String, Long> offline,
            long offlineTexts) {
        System.out.println("CPU ms per text by thread (/proc/self/task; digits in names shown as #):");
        java.util.Set<String> groups = new java.util.TreeSet<>(side.keySet());
        groups.addAll(offline.keySet());
        for (String k : groups) {
            double sv = side.getOrDefault(k, 0L) / 1e6 / Math.max(1, sideTexts);
            double of = offline.getOrDefault(k, 0L) / 1e6 / Math.max(1, offlineTexts);
            if (sv >= 0.005 || of >= 0.005) {
                System.out.printf(Locale.ROOT, "  %-24s %s %6.2f   offline %6.2f%n", k, label, sv, of);
            }
        }
    }

    /** The mean of the batch sizes model {@code bench} formed, from the server's metrics text. */
    public static double meanBatch(String metrics) {
        double sum = 0;
        double count = 0;
        for (String l : metrics.split("\n")) {
            if (l.startsWith("graft_serve_batch_size_sum{model=\"bench\"}")) {
                sum = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            } else if (l.startsWith("graft_serve_batch_size_count{model=\"bench\"}")) {
                count = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** A benchmark's numeric argument {@code i}, or {@code fallback} when there are fewer. */
    public static double number(String[] args, int i, double fallback) {
        return args.length > i ? Double.parseDouble(args[i]) : fallback;
    }

    /** A benchmark's whole-number argument {@code i}, or {@code fallback} when there are fewer. */
    public static int whole(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    /** The engine named by a benchmark's first argument: null (the default engine) for none or {@code default}. */
    public static String engineArg(String[] args) {
        return args.length > 0 && !args[0].equals("default") ? args[0] : null;
    }

    /**
     * Sentences of 8 to 14 words, or as many as {@code -Dbench.words=MIN-MAX} says (at most 40: the model reads 64
     * tokens): filler plus two to four words of one class. The model is trained on 8 to 14 words whatever it says.
     */
    public static List<Example> texts(int n, long seed) {
        String[] words = System.getProperty("bench.words", "8-14").split("-");
        int min = Integer.parseInt(words[0].trim());
        int max = Integer.parseInt(words[words.length - 1].trim());
        if (min < 4 || max < min || max > 40) {
            throw new IllegalArgumentException("bench.words: MIN-MAX with 4 <= MIN <= MAX <= 40, got " + System.getProperty("bench.words"));
        }
        return texts(n, seed, min, max);
    }

    /** {@code n} sentences of {@code min} to {@code max} words. */
    static List<Example> texts(int n, long seed, int min, int max) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            List<String> w = new ArrayList<>();
            int len = min + r.nextInt(max - min + 1);
            int topical = 2 + r.nextInt(3);
            for (int k = 0; k < len; k++) {
                w.add(k < topical ? WORDS[c][r.nextInt(WORDS[c].length)] : FILL[r.nextInt(FILL.length)]);
            }
            java.util.Collections.shuffle(w, r);
            out.add(new Example("b" + i, String.join(" ", w), CLASSES[c]));
        }
        return out;
    }
}
