package dev.graft.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.data.BadRowPolicy;
import dev.graft.core.data.BadRowsException;
import dev.graft.core.data.Dataset;
import dev.graft.core.pipeline.PipelineResult;
import dev.graft.core.recommend.Recommendation;
import dev.graft.core.recommend.Recommender;
import dev.graft.core.spi.PrecomputedFeatures;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vectors written as Parquet by Spark, read back as a Graft dataset: fit and recommend without the backbone. */
class ParquetFeaturesTest {
    static final Graft GRAFT = Graft.create();
    static final long SEED = 7;
    @TempDir
    static Path dir;
    static Path vectors;

    /**
     * The sentiment texts with their row number as key, vectors computed in 3 partitions, written in row order. Each
     * text is run alone (batch 1), as the one-JVM fits below run them (their batch size 1), so that both heads are fitted
     * on bit-identical vectors: a solved head on random features is ill-conditioned (weights in the hundreds), and the
     * last-bit differences that batching and padding make would move it by more than 1e-6.
     */
    @BeforeAll
    static void writeVectors() {
        SparkSession spark = LocalSpark.session();
        org.apache.spark.sql.Dataset<Row> data = spark.read().option("header", "true").option("escape", "\"")
                .csv(LocalSpark.SENTIMENT.toString()).coalesce(1).withColumn("id", functions.monotonically_increasing_id())
                .repartition(3);
        FeatureJob job = FeatureJob.of("bert-tiny", "text").withOptions(LocalSpark.TINY_BERT).withKeyColumn("id")
                .withBatchSize(1).withSeed(SEED);
        vectors = dir.resolve("vectors.parquet");
        GraftSpark.features(data, job).orderBy("id").write().parquet(vectors.toString());
    }

    private static PipelineResult fit(Path data, String format, Map<String, String> strategy, double validation, int batch)
            throws Exception {
        return GRAFT.pipeline().data(data, format, Map.of()).backbone("bert-tiny", LocalSpark.TINY_BERT)
                .strategy("feature-extraction", strategy).head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(3).withBatchSize(batch).withSeed(SEED).withValidationFraction(validation))
                .cacheDir(dir.resolve("cache-" + format + "-" + strategy.hashCode() + "-" + batch)).run();
    }

    private static void assertSameHead(PipelineResult a, PipelineResult b, double tolerance) {
        Map<String, HostTensor> wa = a.model().weights();
        Map<String, HostTensor> wb = b.model().weights();
        assertThat(wa.keySet()).isEqualTo(wb.keySet());
        int heads = 0;
        for (String name : wa.keySet()) {
            if (name.startsWith("head.")) {
                heads++;
                float[] x = wa.get(name).floats();
                float[] y = wb.get(name).floats();
                assertThat(x).as(name).hasSameSizeAs(y);
                for (int i = 0; i < x.length; i++) {
                    assertThat((double) x[i]).as(name + "[" + i + "]").isCloseTo(y[i], org.assertj.core.data.Offset.offset(tolerance));
                }
            }
        }
        assertThat(heads).isPositive();
    }

    @Test
    void aSolvedHeadOnSparkVectorsEqualsTheHeadFittedOnTheTextsInOneJvm() throws Exception {
        PipelineResult fromParquet = fit(vectors, "parquet-features", Map.of(), 0.25, 1);
        PipelineResult fromTexts = fit(LocalSpark.SENTIMENT, "csv", Map.of(), 0.25, 1);
        assertThat(fromParquet.featureCache().computed()).isZero();
        assertThat(fromParquet.featureCache().hits()).isEqualTo(48);
        assertThat(fromTexts.featureCache().computed()).isEqualTo(48);
        assertSameHead(fromParquet, fromTexts, 1e-6);
        // the saved model is the backbone plus that head: it predicts from texts as the one-JVM model does
        assertThat(fromParquet.model().preprocessing()).isEqualTo(fromTexts.model().preprocessing());
    }

    @Test
    void aGradientTrainedHeadOnSparkVectorsHasTheSameValidationAccuracy() throws Exception {
        // here the one-JVM fit computes its vectors in batches of 8 (last-bit differences): the same accuracy, weights to 1e-5
        PipelineResult fromParquet = fit(vectors, "parquet-features", Map.of("head", "sgd"), 0.25, 8);
        PipelineResult fromTexts = fit(LocalSpark.SENTIMENT, "csv", Map.of("head", "sgd"), 0.25, 8);
        assertThat(fromParquet.featureCache().computed()).isZero();
        assertThat(fromParquet.validation().examples()).isEqualTo(12);
        assertThat(fromParquet.validation().accuracy()).isEqualTo(fromTexts.validation().accuracy());
        assertThat(fromParquet.validation().loss()).isCloseTo(fromTexts.validation().loss(), org.assertj.core.data.Offset.offset(1e-5));
        assertSameHead(fromParquet, fromTexts, 1e-5);
    }

    @Test
    void anotherBackboneRefusesTheVectorsNamingBoth() {
        assertThatThrownBy(() -> GRAFT.pipeline().data(vectors, "parquet-features", Map.of())
                .backbone("bert-tiny", Map.of("vocab", LocalSpark.VOCAB.toString(), "layers", "1", "hidden", "32", "heads", "2",
                        "maxLength", "48", "dropout", "0"))
                .trainer(TrainerConfig.defaults().withSeed(SEED)).cacheDir(dir.resolve("other")).run())
                .hasMessageContaining("[id=0]: its features were computed by 'bert-tiny' {")
                .hasMessageContaining("layers=2").hasMessageContaining("not by this run's backbone 'bert-tiny'");
        // the same backbone with another seed has other random weights: other features
        assertThatThrownBy(() -> GRAFT.pipeline().data(vectors, "parquet-features", Map.of()).backbone("bert-tiny", LocalSpark.TINY_BERT)
                .trainer(TrainerConfig.defaults().withSeed(SEED + 1)).cacheDir(dir.resolve("seed")).run())
                .hasMessageContaining("(seed 7;").hasMessageContaining("cannot be mixed");
    }

    @Test
    void aStrategyThatRunsTheBackboneRefusesTheVectors() {
        assertThatThrownBy(() -> GRAFT.pipeline().data(vectors, "parquet-features", Map.of()).backbone("bert-tiny", LocalSpark.TINY_BERT)
                .strategy("fine-tuning", Map.of()).trainer(TrainerConfig.defaults().withEpochs(1).withSeed(SEED))
                .cacheDir(dir.resolve("ft")).run())
                .hasMessageContaining("[id=").hasMessageContaining("holds feature vectors")
                .hasMessageContaining("strategy 'fine-tuning'");
    }

    @Test
    void recommendScoresTheVectorsWithoutTheBackbone() throws Exception {
        List<dev.graft.core.spi.Example> examples = GRAFT.read(vectors, "parquet-features", Map.of(), BadRowPolicy.FAIL).examples();
        Recommendation r = new Recommender(GRAFT.engines(), GRAFT.backbones()).recommend(examples,
                List.of(ComponentRef.of("bert-tiny", LocalSpark.TINY_BERT)),
                new Recommender.Options(null, dir.resolve("rec-cache"), SEED, 16, 1000, 4), m -> { });
        assertThat(r.ranked()).hasSize(1);
        assertThat(r.ranked().get(0).cachedExamples()).isEqualTo(48);
        assertThat(r.ranked().get(0).featureDim()).isEqualTo(32);
    }

    @Test
    void badRowsAreReportedByKeyNeverDropped() throws Exception {
        SparkSession spark = LocalSpark.session();
        Path bad = dir.resolve("bad.parquet");
        spark.read().parquet(vectors.toString())
                .withColumn("features", when(col("id").equalTo(1), lit(null)).when(col("id").equalTo(2), slice(col("features"), 1, 5))
                        .otherwise(col("features")))
                .withColumn("label", when(col("id").equalTo(3), lit(null)).otherwise(col("label")))
                .withColumn(GraftSpark.ERROR_COLUMN, when(col("id").equalTo(4), lit("row 4: null text")).otherwise(col(GraftSpark.ERROR_COLUMN)))
                .coalesce(1).write().parquet(bad.toString());
        Dataset d = GRAFT.read(bad, "parquet-features", Map.of(), BadRowPolicy.COLLECT);
        assertThat(d.size()).isEqualTo(44);
        assertThat(d.badRows()).extracting(Object::toString).containsExactlyInAnyOrder(
                bad + "[id=1]: null feature vector (column 'features')",
                bad + "[id=2]: 5 features, but the first row has 32",
                bad + "[id=3]: no label (column 'label')",
                bad + "[id=4]: the feature job reported: row 4: null text");
        assertThatThrownBy(() -> GRAFT.read(bad, "parquet-features", Map.of(), BadRowPolicy.FAIL)).isInstanceOf(BadRowsException.class)
                .hasMessageContaining("[id=1]: null feature vector");
        assertThat(d.withoutBadRows().examples().get(0).input()).isInstanceOf(PrecomputedFeatures.class);
        // the format is found by path (a folder of part files) and names the columns it lacks
        assertThat(GRAFT.formats().detect(vectors).id()).isEqualTo("parquet-features");
        assertThatThrownBy(() -> GRAFT.read(vectors, "parquet-features", Map.of("key", "row"), BadRowPolicy.FAIL))
                .hasMessageContaining("no column 'row'").hasMessageContaining("graft_backbone_key");
    }
}
