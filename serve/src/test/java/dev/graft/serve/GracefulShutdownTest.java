package dev.graft.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Shutdown under load answers every request it accepted, correctly, and refuses the rest with 503. */
class GracefulShutdownTest {
    @ParameterizedTest(name = "{0} batch worker(s)")
    @ValueSource(ints = {1, 2})
    void shutdownDuringLoadLosesNoAcceptedRequest(int batchWorkers) throws Exception {
        Path model = TestModels.text();
        List<Example> texts = TestModels.texts(64, 11);
        List<Prediction> expected;
        try (Predictor p = TestModels.graft().predictor(model, null)) {
            expected = p.predict(texts);
        }
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(8, Duration.ofMillis(10)).withDrainTimeout(Duration.ofSeconds(30))
                .withBatchWorkers(batchWorkers);
        ModelServer server = ModelServer.start(TestModels.graft(), null, Map.of("words", model), c);
        Http http = new Http(server.uri());
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger unreachable = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            Future<?>[] running = new Future<?>[8];
            for (int t = 0; t < 8; t++) {
                int client = t;
                running[t] = clients.submit(() -> {
                    for (int k = 0; ; k++) {
                        int i = (client * 8 + k) % texts.size();
                        Http.Reply r;
                        try {
                            r = http.post("/models/words/predict", "{\"texts\": [" + new com.google.gson.JsonPrimitive((String) texts.get(i).input()) + "]}");
                        } catch (IOException e) {
                            unreachable.incrementAndGet();
                            return null;
                        }
                        if (r.status() == 200) {
                            String label = r.json().getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonObject().get("label").getAsString();
                            if (!label.equals(expected.get(i).label())) {
                                wrong.add("text " + i + ": " + label + " != " + expected.get(i).label());
                            }
                            ok.incrementAndGet();
                        } else if (r.status() == 503) {
                            refused.incrementAndGet();
                            return null;
                        } else {
                            wrong.add("status " + r.status() + ": " + r.body());
                            return null;
                        }
                    }
                });
            }
            long until = System.nanoTime() + 20_000_000_000L;
            while (ok.get() < 16 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(ok.get()).as("requests answered before shutdown").isGreaterThanOrEqualTo(16);
            server.shutdown();
            assertThat(server.ready()).isFalse();
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
            server.close();
        }
        assertThat(wrong).isEmpty();
        Map<String, Double> counts = PromText.parse(server.metrics()).get("graft_serve_requests_total");
        double served = counts.getOrDefault("graft_serve_requests_total{model=\"words\",endpoint=\"predict\",code=\"200\"}", 0.0);
        double turnedAway = counts.getOrDefault("graft_serve_requests_total{model=\"words\",endpoint=\"predict\",code=\"503\"}", 0.0);
        // every request the server answered reached its client, with the right answer; none was dropped midway
        assertThat(served).isEqualTo(ok.get());
        // a 503 written just before the listener closed can reach its client as a reset instead: refused either way
        assertThat(turnedAway).isGreaterThanOrEqualTo(refused.get());
        assertThat(ok.get() + refused.get() + unreachable.get()).isGreaterThan(16);
        assertThat(counts.keySet()).allMatch(k -> k.contains("code=\"200\"") || k.contains("code=\"503\""));
    }
}
