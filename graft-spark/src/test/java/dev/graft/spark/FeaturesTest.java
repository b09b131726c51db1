package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.Graft;
import dev.graft.core.internal.assembly.NetworkAssembler;
import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.spark.internal.ExecutorModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Distributed feature vectors against the same backbone run one example at a time in this JVM. */
class FeaturesTest {
    static final Graft GRAFT = Graft.create();

    @BeforeEach
    void freshExecutor() {
        ExecutorModels.clear();
    }

    static Dataset<Row> sentiment(SparkSession spark, int partitions) {
        return spark.read().option("header", "true").option("escape", "\"").csv(LocalSpark.SENTIMENT.toString())
                .withColumn("id", functions.monotonically_increasing_id().cast("string")).repartition(partitions);
    }

    /** The reference: backbone alone, compiled here, each text its own batch (no Spark, no batching). */
    static Map<String, float[]> reference(String backbone, Map<String, String> options, long seed, List<Object> inputs) {
        Engine engine = GRAFT.engines().get(null);
        Map<String, float[]> out = new HashMap<>();
        try (Backbone b = GRAFT.backbones().create(backbone, options, GRAFT.context(null, seed));
                CompiledModel m = engine.compile(NetworkAssembler.backboneOnly(b), seed)) {
            if (!b.weights().isEmpty()) {
                m.setParameters(b.weights());
            }
            for (Object in : inputs) {
                HostTensor f = m.predict(b.encode(List.of(new Example("ref", in, null)), false, 0), NetworkAssembler.FEATURES);
                out.put(in.toString(), f.floats());
            }
        }
        return out;
    }

    @Test
    void textVectorsEqualSingleJvmGraftAndTheBackboneLoadsOncePerExecutor() {
        SparkSession spark = LocalSpark.session();
        FeatureJob job = FeatureJob.of("bert-tiny", "text").withOptions(LocalSpark.TINY_BERT).withKeyColumn("id")
                .withBatchSize(8).withSeed(7);
        List<Row> rows = GraftSpark.features(sentiment(spark, 3), job).collectAsList();
        assertThat(rows).hasSize(48);
        List<Object> texts = new ArrayList<>();
        rows.forEach(r -> texts.add(r.getAs("text")));
        Map<String, float[]> ref = reference("bert-tiny", LocalSpark.TINY_BERT, 7, texts);
        for (Row r : rows) {
            assertThat((String) r.getAs(GraftSpark.ERROR_COLUMN)).isNull();
            float[] got = floats(r.getList(r.fieldIndex("features")));
            float[] want = ref.get((String) r.getAs("text"));
            assertThat(got).hasSize(32).containsExactly(want, org.assertj.core.data.Offset.offset(1e-6f));
        }
        // a second job over other partitions reuses the loaded backbone
        assertThat(GraftSpark.features(sentiment(spark, 5), job).count()).isEqualTo(48);
        assertThat(ExecutorModels.loads()).isEqualTo(1);
    }

    @Test
    void anotherSeedGivesOtherVectorsForARandomBackbone() {
        SparkSession spark = LocalSpark.session();
        FeatureJob job = FeatureJob.of("bert-tiny", "text").withOptions(LocalSpark.TINY_BERT).withSeed(7);
        Row a = GraftSpark.features(sentiment(spark, 1).limit(1), job).first();
        Row b = GraftSpark.features(sentiment(spark, 1).limit(1), job.withSeed(8)).first();
        assertThat(floats(a.getList(a.fieldIndex("features")))).isNotEqualTo(floats(b.getList(b.fieldIndex("features"))));
        assertThat(ExecutorModels.loads()).isEqualTo(2);
    }

    static float[] floats(List<Object> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (Float) l.get(i);
        }
        return f;
    }
}
