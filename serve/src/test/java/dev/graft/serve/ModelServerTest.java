package dev.graft.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A text and an image model served together on loopback, driven over real HTTP. */
class ModelServerTest {
    static ModelServer server;
    static Http http;
    static Predictor textOffline;
    static Predictor imageOffline;

    @BeforeAll
    static void start() throws Exception {
        Path text = TestModels.text();
        Path image = TestModels.image();
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(16, Duration.ofMillis(20)).withLimits(64 * 1024, 50);
        server = ModelServer.start(TestModels.graft(), null, Map.of("words", text, "colours", image), c);
        http = new Http(server.uri());
        textOffline = TestModels.graft().predictor(text, null);
        imageOffline = TestModels.graft().predictor(image, null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (textOffline != null) {
            textOffline.close();
            imageOffline.close();
        }
    }

    private static String quote(String s) {
        return new com.google.gson.JsonPrimitive(s).toString();
    }

    private static void assertSameScores(JsonObject probabilities, Prediction expected) {
        assertThat(probabilities.keySet()).containsExactlyElementsOf(expected.scores().keySet());
        expected.scores().forEach((label, p) -> assertThat(probabilities.get(label).getAsDouble()).as(label).isCloseTo(p, within(1e-5)));
    }

    @Test
    void theEngineRunsWithTheCoresDividedAmongTheBatchWorkers() {
        int threads = TestModels.graft().engines().settings().threads();
        int workers = ServeConfig.defaults().batchWorkers();
        assertThat(server.engineSettings().threads()).as("engine threads of each of %d workers", workers)
                .isEqualTo(threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / workers));
        assertThat(server.engine().id()).isEqualTo(TestModels.graft().engines().get().id());
    }

    @Test
    void concurrentClientsGetTheirOwnAnswers() throws Exception {
        List<Example> texts = TestModels.texts(16 * 12, 77);
        List<Prediction> expected = textOffline.predict(texts);
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    int checked = 0;
                    for (int k = 0; k < 12; k++) {
                        int i = client * 12 + k;
                        String t = (String) texts.get(i).input();
                        if (k % 3 == 2) {
                            // TensorFlow Serving shape, two instances in one request
                            String u = (String) texts.get(i - 1).input();
                            Http.Reply r = http.post("/v1/models/words:predict", "{\"instances\": [" + quote(u) + ", {\"text\": " + quote(t) + "}]}");
                            assertThat(r.status()).as(r.body()).isEqualTo(200);
                            JsonArray rows = r.json().getAsJsonObject().getAsJsonArray("predictions");
                            assertThat(rows).hasSize(2);
                            for (int j = 0; j < 2; j++) {
                                List<Double> want = new ArrayList<>(expected.get(i - 1 + j).scores().values());
                                JsonArray row = rows.get(j).getAsJsonArray();
                                assertThat(row).hasSize(want.size());
                                for (int q = 0; q < want.size(); q++) {
                                    assertThat(row.get(q).getAsDouble()).isCloseTo(want.get(q), within(1e-5));
                                }
                            }
                        } else {
                            Http.Reply r = http.post("/models/words/predict", "{\"text\": " + quote(t) + ", \"top_k\": 2}");
                            assertThat(r.status()).as(r.body()).isEqualTo(200);
                            JsonObject p = r.json().getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonObject();
                            assertThat(p.get("label").getAsString()).isEqualTo(expected.get(i).label());
                            assertSameScores(p.getAsJsonObject("probabilities"), expected.get(i));
                            JsonArray top = p.getAsJsonArray("top_k");
                            assertThat(top).hasSize(2);
                            assertThat(top.get(0).getAsJsonObject().get("label").getAsString()).isEqualTo(expected.get(i).label());
                            assertThat(top.get(0).getAsJsonObject().get("probability").getAsDouble())
                                    .isGreaterThanOrEqualTo(top.get(1).getAsJsonObject().get("probability").getAsDouble());
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(total).isEqualTo(16 * 12);
        } finally {
            clients.shutdownNow();
        }
        // concurrent requests were merged: some engine call took more than one input
        assertThat(PromText.smallestBoundHoldingAll(server.metrics(), "graft_serve_batch_size", "words")).isGreaterThan(1);
    }

    @Test
    void imageModelPredictsFromBase64OnBothEndpoints() throws Exception {
        Random r = new Random(5);
        List<Example> imgs = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            imgs.add(new Example("x", TestModels.image(c, r), null));
        }
        List<Prediction> expected = imageOffline.predict(imgs);
        StringBuilder b64 = new StringBuilder();
        for (Example e : imgs) {
            b64.append(b64.length() == 0 ? "" : ",").append(quote(TestModels.png((java.awt.image.BufferedImage) e.input())));
        }
        Http.Reply g = http.post("/models/colours/predict", "{\"images\": [" + b64 + "]}");
        assertThat(g.status()).as(g.body()).isEqualTo(200);
        JsonArray preds = g.json().getAsJsonObject().getAsJsonArray("predictions");
        for (int i = 0; i < 3; i++) {
            JsonObject p = preds.get(i).getAsJsonObject();
            assertThat(p.get("label").getAsString()).isEqualTo(TestModels.COLOURS[i]).isEqualTo(expected.get(i).label());
            assertSameScores(p.getAsJsonObject("probabilities"), expected.get(i));
        }
        String first = TestModels.png((java.awt.image.BufferedImage) imgs.get(0).input());
        Http.Reply t = http.post("/v1/models/colours:predict", "{\"instances\": [{\"b64\": " + quote(first) + "}]}");
        assertThat(t.status()).as(t.body()).isEqualTo(200);
        JsonArray row = t.json().getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonArray();
        List<Double> want = new ArrayList<>(expected.get(0).scores().values());
        for (int q = 0; q < want.size(); q++) {
            assertThat(row.get(q).getAsDouble()).isCloseTo(want.get(q), within(1e-5));
        }
    }

    @Test
    void servesSeveralModelsByNameWithTensorFlowServingStatus() throws Exception {
        Http.Reply all = http.get("/v1/models");
        assertThat(all.status()).isEqualTo(200);
        JsonObject models = all.json().getAsJsonObject().getAsJsonObject("models");
        assertThat(models.keySet()).containsExactlyInAnyOrder("words", "colours");
        assertThat(models.getAsJsonObject("words").get("input").getAsString()).isEqualTo("text");
        assertThat(models.getAsJsonObject("colours").get("input").getAsString()).isEqualTo("image");
        Http.Reply st = http.get("/v1/models/words");
        assertThat(st.status()).isEqualTo(200);
        assertThat(st.json().getAsJsonObject().getAsJsonArray("model_version_status").get(0).getAsJsonObject().get("state").getAsString())
                .isEqualTo("AVAILABLE");
        Http.Reply cols = http.post("/v1/models/words:predict", "{\"inputs\": {\"text\": [\"apple banana\", \"dog cat\"]}}");
        assertThat(cols.status()).as(cols.body()).isEqualTo(200);
        assertThat(cols.json().getAsJsonObject().getAsJsonArray("predictions")).hasSize(2);
    }

    @Test
    void healthAndReadinessAnswer() throws Exception {
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        Http.Reply r = http.get("/readyz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getAsJsonObject().get("status").getAsString()).isEqualTo("ready");
        assertThat(server.ready()).isTrue();
    }

    @Test
    void refusesMalformedJson() throws Exception {
        for (String body : List.of("{\"texts\": [hello]}", "{\"texts\": [\"a\"]", "{\"texts\": [\"a\"]} trailing", "[\"a\"]",
                "{'texts': ['a']}", "{\"texts\": [\"a\",]}", "\u00ff\u00fe")) {
            Http.Reply r = http.post("/models/words/predict", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.error()).as(body).containsAnyOf("malformed JSON", "malformed request");
        }
        Http.Reply r = http.post("/models/words/predict", "{\"texts\": [\"a\" \"b\"]}");
        assertThat(r.error()).contains("$.texts[");
    }

    @Test
    void refusesWrongFieldsAndShapesNamingTheField() throws Exception {
        Map<String, String> graft = Map.of(
                "{\"txt\": \"apple\"}", "'txt'",
                "{\"texts\": \"apple\"}", "'texts': must be a list",
                "{\"texts\": [\"apple\", 3]}", "'texts[1]': must be a string",
                "{\"texts\": []}", "'texts': empty",
                "{\"texts\": [\"  \"]}", "'texts[0]': empty text",
                "{\"text\": \"apple\", \"top_k\": 0}", "'top_k'",
                "{\"text\": \"apple\", \"top_k\": 1.5}", "'top_k'",
                "{\"images\": [\"AAAA\"]}", "'images': this model takes texts",
                "{}", "'texts': missing",
                "{\"text\": \"a\", \"texts\": [\"b\"]}", "give only one");
        for (Map.Entry<String, String> e : graft.entrySet()) {
            Http.Reply r = http.post("/models/words/predict", e.getKey());
            assertThat(r.status()).as(e.getKey()).isEqualTo(400);
            assertThat(r.error()).as(e.getKey()).contains(e.getValue());
        }
        Map<String, String> tf = Map.of(
                "{\"instance\": [\"a\"]}", "'instance'",
                "{\"signature_name\": \"serving_default\"}", "'instances': missing",
                "{\"instances\": [[1, 2, 3]]}", "'instances[0]': must be a string",
                "{\"instances\": [{\"a\": \"x\", \"b\": \"y\"}]}", "'instances[0]'",
                "{\"instances\": [\"a\"], \"signature_name\": \"other\"}", "'signature_name'");
        for (Map.Entry<String, String> e : tf.entrySet()) {
            Http.Reply r = http.post("/v1/models/words:predict", e.getKey());
            assertThat(r.status()).as(e.getKey()).isEqualTo(400);
            assertThat(r.error()).as(e.getKey()).contains(e.getValue());
        }
        Http.Reply notImage = http.post("/models/colours/predict", "{\"images\": [\"" + java.util.Base64.getEncoder()
                .encodeToString("not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\"]}");
        assertThat(notImage.status()).isEqualTo(400);
        assertThat(notImage.error()).contains("'images[0]'").contains("not an image");
        Http.Reply notB64 = http.post("/v1/models/colours:predict", "{\"instances\": [{\"b64\": \"%%%\"}]}");
        assertThat(notB64.status()).isEqualTo(400);
        assertThat(notB64.error()).contains("'instances[0].b64'").contains("base64");
        Http.Reply textToImage = http.post("/v1/models/colours:predict", "{\"instances\": [\"apple\"]}");
        assertThat(textToImage.error()).contains("'instances[0]'").contains("takes images");
        Http.Reply get = http.get("/models/words/predict");
        assertThat(get.status()).isEqualTo(405);
    }

    @Test
    void refusesHugeBodiesAndTooManyInputs() throws Exception {
        byte[] huge = new byte[1 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        Http.Reply r = http.post("/models/words/predict", huge);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).startsWith("body:").contains("limit of 65536 bytes");
        String many = "{\"texts\": [" + String.join(",", Collections.nCopies(51, "\"apple\"")) + "]}";
        Http.Reply m = http.post("/models/words/predict", many);
        assertThat(m.status()).isEqualTo(413);
        assertThat(m.error()).contains("'texts'").contains("limit of 50");
        // the server still serves after refusing
        assertThat(http.post("/models/words/predict", "{\"text\": \"apple\"}").status()).isEqualTo(200);
    }

    @Test
    void refusesABodyShorterThanItsContentLengthNamingTheHeader() throws Exception {
        String answer;
        try (java.net.Socket s = new java.net.Socket(server.uri().getHost(), server.port())) {
            s.setSoTimeout(10_000);
            byte[] json = "{\"text\": \"apple\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String head = "POST /models/words/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (json.length + 100) + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(json);
            s.getOutputStream().flush();
            s.shutdownOutput(); // the body ends 100 bytes short of what the header announced
            answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(answer).startsWith("HTTP/1.1 400").contains("body: ended before the " + (17 + 100) + " bytes its Content-Length announced");
        assertThat(http.post("/models/words/predict", "{\"text\": \"apple\"}").status()).isEqualTo(200);
    }

    @Test
    void refusesUnknownModelsNamingThem() throws Exception {
        Http.Reply r = http.post("/models/nope/predict", "{\"text\": \"apple\"}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).contains("model 'nope'").contains("words").contains("colours");
        Http.Reply t = http.post("/v1/models/nope:predict", "{\"instances\": [\"apple\"]}");
        assertThat(t.status()).isEqualTo(404);
        assertThat(t.error()).contains("model 'nope'");
        assertThat(http.get("/v1/models/nope").status()).isEqualTo(404);
        assertThat(http.get("/nowhere").status()).isEqualTo(404);
    }

    @Test
    void aFailedPredictionIsA500AndOnlyForItsOwnRequest() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            Map<Integer, Http.Reply> replies = new ConcurrentHashMap<>();
            List<Future<?>> f = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                int client = c;
                f.add(clients.submit(() -> {
                    String t = client == 0 ? WordsBackbone.FAIL : "apple banana " + client;
                    replies.put(client, http.post("/models/words/predict", "{\"text\": " + quote(t) + "}"));
                    return null;
                }));
            }
            for (Future<?> x : f) {
                x.get();
            }
            assertThat(replies.get(0).status()).isEqualTo(500);
            assertThat(replies.get(0).error()).contains("model 'words'").contains("test encoder asked to fail");
            for (int c = 1; c < 6; c++) {
                assertThat(replies.get(c).status()).as(replies.get(c).body()).isEqualTo(200);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(http.post("/models/words/predict", "{\"text\": \"dog\"}").status()).isEqualTo(200);
        assertThat(server.metrics()).containsPattern("graft_serve_errors_total\\{model=\"words\",kind=\"server\"} [1-9]");
    }

    @Test
    void metricsEndpointParses() throws Exception {
        http.post("/models/words/predict", "{\"text\": \"red blue\"}");
        http.post("/models/words/predict", "{\"bad\": 1}");
        // the handler thread counts a request after its response has gone out, so the client can be a moment ahead
        // of the count: read /metrics until both requests are in it (at most 5 s)
        Http.Reply r = http.get("/metrics");
        for (long until = System.nanoTime() + 5_000_000_000L; !r.body().contains("code=\"400\"") && System.nanoTime() < until;) {
            Thread.sleep(20);
            r = http.get("/metrics");
        }
        assertThat(r.status()).isEqualTo(200);
        Map<String, Map<String, Double>> parsed = PromText.parse(r.body());
        assertThat(parsed).containsKeys("graft_serve_requests_total", "graft_serve_errors_total", "graft_serve_request_duration_seconds",
                "graft_serve_batch_size", "graft_serve_requests_in_progress");
        assertThat(parsed.get("graft_serve_requests_total"))
                .containsKey("graft_serve_requests_total{model=\"words\",endpoint=\"predict\",code=\"200\"}")
                .containsKey("graft_serve_requests_total{model=\"words\",endpoint=\"predict\",code=\"400\"}");
        assertThat(parsed.get("graft_serve_errors_total")).containsKey("graft_serve_errors_total{model=\"words\",kind=\"client\"}");
    }

    static List<JsonElement> rows(Http.Reply r) {
        List<JsonElement> out = new ArrayList<>();
        r.json().getAsJsonObject().getAsJsonArray("predictions").forEach(out::add);
        return out;
    }
}
