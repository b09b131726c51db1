package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.config.HeadConfig;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.model.TrainedModel;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Predictor#predict} over several batches of texts of different lengths runs them longest first (each batch
 * padded to about its own texts' length) and answers in the inputs' order: each text's answer is the one it gets
 * predicted alone.
 */
class PredictByLengthTest {
    @TempDir
    Path cache;

    @Test
    void textsOfMixedLengthsAreAnsweredInTheirOwnOrder() throws Exception {
        TrainedModel model = TextClassificationTest.GRAFT.pipeline().data(TextClassificationTest.SENTIMENT, "csv", Map.of())
                .backbone("bert-tiny", TextClassificationTest.TINY).strategy("feature-extraction", Map.of("head", "sgd"))
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(2).withBatchSize(8).withSeed(3)).cacheDir(cache).run().model();
        String[] words = {"good", "bad", "great", "awful", "fine", "movie", "plot", "the", "was", "not", "very", "acting"};
        Random r = new Random(5);
        List<Example> in = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // short and long texts interleaved: in the given order every batch of 32 would pad to a long one
            int n = i % 3 == 0 ? 30 + r.nextInt(10) : 1 + r.nextInt(4);
            StringBuilder t = new StringBuilder();
            for (int w = 0; w < n; w++) {
                t.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            }
            in.add(new Example("texts.csv:" + (i + 2), t.toString(), null));
        }
        try (Predictor p = Predictor.open(model, TextClassificationTest.GRAFT.engines().get(null), TextClassificationTest.GRAFT.backbones())) {
            List<Prediction> all = p.predict(in);
            assertThat(all).hasSize(in.size());
            for (int i = 0; i < in.size(); i++) {
                Prediction alone = p.predict(List.of(in.get(i))).get(0);
                assertThat(all.get(i).source()).isEqualTo(in.get(i).source());
                assertThat(all.get(i).label()).as(in.get(i).source()).isEqualTo(alone.label());
                for (Map.Entry<String, Double> e : alone.scores().entrySet()) {
                    assertThat(all.get(i).scores().get(e.getKey())).as("%s %s", in.get(i).source(), e.getKey())
                            .isCloseTo(e.getValue(), Offset.offset(1e-5));
                }
            }
        }
    }
}
