package dev.graft.serve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.graft.core.model.Prediction;
import dev.graft.core.spi.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Response bodies write each score with the digits of the float the engine produced, and nothing else changes. */
class RepliesTest {
    private static Prediction prediction(float neg, float pos) {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("neg", (double) neg);
        scores.put("pos", (double) pos);
        return new Prediction("x", pos > neg ? "pos" : "neg", scores);
    }

    @Test
    void writesFloatScoresWithTheirShortestDigits() {
        float neg = 0.0312f;
        float pos = 1 - neg;
        String body = Replies.graft("m", Task.CLASSIFICATION, List.of(prediction(neg, pos)), 2);
        // the widened double would print as 0.031199999153614044
        assertThat(body).contains("\"neg\":0.0312,").doesNotContain("0.0311999");
        JsonObject p = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertThat(p.getAsJsonObject("probabilities").get("neg").getAsFloat()).isEqualTo(neg);
        assertThat(p.getAsJsonObject("probabilities").get("pos").getAsFloat()).isEqualTo(pos);
        JsonArray top = p.getAsJsonArray("top_k");
        assertThat(top.get(0).getAsJsonObject().get("label").getAsString()).isEqualTo("pos");
        assertThat(top.get(0).getAsJsonObject().get("probability").getAsFloat()).isEqualTo(pos);
        assertThat(top.get(1).getAsJsonObject().get("probability").getAsFloat()).isEqualTo(neg);

        String tf = Replies.tensorflow(List.of(prediction(neg, pos), prediction(1e-7f, 1f)));
        JsonArray rows = JsonParser.parseString(tf).getAsJsonObject().getAsJsonArray("predictions");
        assertThat(rows.get(0).getAsJsonArray().get(0).getAsFloat()).isEqualTo(neg);
        assertThat(rows.get(1).getAsJsonArray().get(0).getAsFloat()).isEqualTo(1e-7f);
        assertThat(rows.get(1).getAsJsonArray().get(1).getAsFloat()).isEqualTo(1f);
    }

    @Test
    void writesNonFiniteScoresAsNullAndDoublesThatAreNotFloatsInFull() {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("a", Double.NaN);
        scores.put("b", 0.1); // not a float: kept as the double it is
        String body = Replies.tensorflow(List.of(new Prediction("x", "b", scores)));
        assertThat(body).isEqualTo("{\"predictions\":[[null,0.1]]}");
        JsonArray row = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonArray();
        assertThat(row.get(1).getAsDouble()).isEqualTo(0.1);
    }

    @Test
    void escapesLabelsAndErrorMessages() {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("say \"hi\"\n", 0.5);
        String body = Replies.graft("m", Task.CLASSIFICATION, List.of(new Prediction("x", "say \"hi\"\n", scores)), 1);
        JsonObject p = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertThat(p.get("label").getAsString()).isEqualTo("say \"hi\"\n");
        assertThat(JsonParser.parseString(Replies.error("field 'x': \"bad\"")).getAsJsonObject().get("error").getAsString())
                .isEqualTo("field 'x': \"bad\"");
    }
}
