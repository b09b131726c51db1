package dev.graft.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A saved soft-voting ensemble behind {@code graft serve}: its answers are the members' weighted vote. */
class EnsembleServeTest {

    @Test
    void servesAnEnsembleAsTheWeightedVoteOfItsMembersAndNamesThem() throws Exception {
        Path a = TestModels.text();
        Path b = TestModels.train("test-words", TestModels.texts(45, 9), 0.005);
        Files.createDirectories(Path.of("target"));
        Path dir = Files.createTempDirectory(Path.of("target"), "test-ensemble-").resolve("ensemble");
        TrainedModel.ensemble(List.of(new TrainedModel.Member("first", TrainedModel.load(a), 1),
                new TrainedModel.Member("second", TrainedModel.load(b), 3))).save(dir);
        List<Example> texts = TestModels.texts(6, 123);
        List<Prediction> pa;
        List<Prediction> pb;
        try (Predictor x = TestModels.graft().predictor(a, null); Predictor y = TestModels.graft().predictor(b, null)) {
            pa = x.predict(texts);
            pb = y.predict(texts);
        }
        ServeConfig c = ServeConfig.defaults().withPort(0).withBatching(8, Duration.ofMillis(5));
        try (ModelServer server = ModelServer.start(TestModels.graft(), null, Map.of("vote", dir), c)) {
            Http http = new Http(server.uri());
            StringBuilder body = new StringBuilder("{\"texts\": [");
            for (int i = 0; i < texts.size(); i++) {
                body.append(i == 0 ? "" : ", ").append(new com.google.gson.JsonPrimitive((String) texts.get(i).input()));
            }
            Http.Reply r = http.post("/models/vote/predict", body.append("], \"top_k\": 3}").toString());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonArray out = r.json().getAsJsonObject().getAsJsonArray("predictions");
            assertThat(out).hasSize(texts.size());
            boolean membersDisagreeSomewhere = false;
            for (int i = 0; i < texts.size(); i++) {
                JsonObject p = out.get(i).getAsJsonObject().getAsJsonObject("probabilities");
                String best = null;
                double bestP = -1;
                for (String label : pa.get(i).scores().keySet()) {
                    // computed here from each member alone: (1 * pA + 3 * pB) / 4
                    double expected = (pa.get(i).scores().get(label) + 3 * pb.get(i).scores().get(label)) / 4;
                    assertThat(p.get(label).getAsDouble()).as("text %d, %s", i, label).isCloseTo(expected, within(1e-5));
                    if (expected > bestP) {
                        bestP = expected;
                        best = label;
                    }
                    membersDisagreeSomewhere |= Math.abs(pa.get(i).scores().get(label) - pb.get(i).scores().get(label)) > 1e-3;
                }
                assertThat(out.get(i).getAsJsonObject().get("label").getAsString()).isEqualTo(best);
            }
            assertThat(membersDisagreeSomewhere).as("the two members must differ for the vote to be checked").isTrue();
            JsonObject d = http.get("/v1/models").json().getAsJsonObject().getAsJsonObject("models").getAsJsonObject("vote");
            assertThat(d.get("backbone").getAsString()).isEqualTo("ensemble");
            assertThat(d.get("voting").getAsString()).isEqualTo("soft");
            JsonArray members = d.getAsJsonArray("members");
            assertThat(members).hasSize(2);
            assertThat(members.get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("first");
            assertThat(members.get(1).getAsJsonObject().get("backbone").getAsString()).isEqualTo("test-words");
            assertThat(members.get(0).getAsJsonObject().get("weight").getAsDouble()).isCloseTo(0.25, within(1e-12));
            assertThat(members.get(1).getAsJsonObject().get("weight").getAsDouble()).isCloseTo(0.75, within(1e-12));
        }
    }
}
