package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distributed predictions against SavedModel predictions in this JVM; bad rows; the feature cache that fit reads. */
class PredictTest {
    static final Graft GRAFT = Graft.create();
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void train() throws Exception {
        PipelineResult r = GRAFT.pipeline().data(LocalSpark.SENTIMENT, "csv", Map.of()).backbone("bert-tiny", LocalSpark.TINY_BERT)
                .strategy("feature-extraction", Map.of("head", "sgd")).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(3).withBatchSize(8).withSeed(11).withValidationFraction(0.25))
                .cacheDir(dir.resolve("fit-cache")).run();
        model = dir.resolve("model");
        r.model().save(model);
    }

    @Test
    void predictionsEqualTheSavedModelsPredictions() throws Exception {
        SparkSession spark = LocalSpark.session();
        Dataset<Row> data = FeaturesTest.sentiment(spark, 3);
        List<Row> rows = GraftSpark.predict(data, PredictJob.of(model.toString(), "text").withKeyColumn("id").withBatchSize(5))
                .collectAsList();
        assertThat(rows).hasSize(48);
        List<Example> ex = new ArrayList<>();
        rows.forEach(r -> ex.add(new Example("x", r.getAs("text"), null)));
        List<Prediction> want;
        try (Predictor p = GRAFT.predictor(model, null)) {
            want = p.predict(ex);
        }
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            assertThat((String) r.getAs(GraftSpark.ERROR_COLUMN)).isNull();
            assertThat((String) r.getAs("prediction")).isEqualTo(want.get(i).label());
            Map<String, Double> got = r.getJavaMap(r.fieldIndex("probability"));
            assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(want.get(i).scores().keySet());
            want.get(i).scores().forEach((k, v) -> assertThat(got.get(k)).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-6)));
        }
    }

    @Test
    void badTextRowsAreReportedWithTheirKeyAndGoodRowsStillPredicted() {
        SparkSession spark = LocalSpark.session();
        StructType schema = new StructType().add("key", DataTypes.StringType).add("text", DataTypes.StringType, true);
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create("a", "What a fantastic meal."),
                RowFactory.create("b", null), RowFactory.create("c", "   "), RowFactory.create("d", "Dull and far too long.")), schema)
                .repartition(2);
        PredictJob job = PredictJob.of(model.toString(), "text").withKeyColumn("key");
        Map<String, Row> byKey = new HashMap<>();
        GraftSpark.predict(data, job).collectAsList().forEach(r -> byKey.put(r.getAs("key"), r));
        assertThat(byKey).containsOnlyKeys("a", "b", "c", "d");
        assertThat((String) byKey.get("b").getAs(GraftSpark.ERROR_COLUMN)).isEqualTo("row b: null text");
        assertThat((String) byKey.get("c").getAs(GraftSpark.ERROR_COLUMN)).startsWith("row c: empty text");
        assertThat((Object) byKey.get("b").getAs("prediction")).isNull();
        for (String good : List.of("a", "d")) {
            assertThat((String) byKey.get(good).getAs(GraftSpark.ERROR_COLUMN)).isNull();
            assertThat((String) byKey.get(good).getAs("prediction")).isIn("positive", "negative");
        }
        // which bad row fails the job first depends on which partition Spark runs first
        assertThatThrownBy(() -> GraftSpark.predict(data, job.withBadRows(BadRows.FAIL)).collectAsList()).satisfies(e -> {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            assertThat(trace.toString()).containsAnyOf("row b (column 'text'): null text", "row c (column 'text'): empty text");
        });
    }

    @Test
    void vectorsWrittenToTheFeatureCacheTrainAHeadWithoutRunningTheBackbone() throws Exception {
        SparkSession spark = LocalSpark.session();
        Path cache = dir.resolve("spark-cache");
        FeatureJob job = FeatureJob.of("bert-tiny", "text").withOptions(LocalSpark.TINY_BERT).withSeed(11)
                .withCacheDir(cache.toString());
        assertThat(GraftSpark.features(FeaturesTest.sentiment(spark, 2), job).filter("graft_error is null").count()).isEqualTo(48);
        PipelineResult r = GRAFT.pipeline().data(LocalSpark.SENTIMENT, "csv", Map.of()).backbone("bert-tiny", LocalSpark.TINY_BERT)
                .strategy("feature-extraction", Map.of("head", "sgd")).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(1).withBatchSize(8).withSeed(11).withValidationFraction(0.25))
                .cacheDir(cache).run();
        assertThat(r.featureCache().hits()).isEqualTo(48);
        assertThat(r.featureCache().computed()).isZero();
    }

    @Test
    void unknownColumnsAndClashingOutputsAreRefusedOnTheDriver() {
        Dataset<Row> data = FeaturesTest.sentiment(LocalSpark.session(), 1);
        assertThatThrownBy(() -> GraftSpark.predict(data, PredictJob.of(model.toString(), "txt")))
                .hasMessageContaining("no input column 'txt'").hasMessageContaining(Arrays.asList("text", "label", "id").toString());
        assertThatThrownBy(() -> GraftSpark.features(data, FeatureJob.of("bert-tiny", "text").withOutputColumn("label")))
                .hasMessageContaining("already has column(s) [label]");
    }
}
