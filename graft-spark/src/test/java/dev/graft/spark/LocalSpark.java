package dev.graft.spark;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for every test class of this JVM, and the tiny backbones the tests use. */
final class LocalSpark {
    static final Path SENTIMENT = resource("data/sentiment.csv");
    static final Path VOCAB = resource("data/vocab.txt");
    /** A random 2-layer BERT with hidden 32 over a 231-word vocabulary. */
    static final Map<String, String> TINY_BERT = Map.of("vocab", VOCAB.toString(), "layers", "2", "hidden", "32",
            "heads", "2", "maxLength", "48", "dropout", "0");
    /** A random ResNet-18 of base width 8 on 32x32 images. */
    static final Map<String, String> TINY_RESNET = Map.of("size", "32", "width", "8");
    private static SparkSession spark;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (spark == null || spark.sparkContext().isStopped()) {
            spark = SparkSession.builder().master("local[2]").appName("graft-spark-tests")
                    .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    static Path resource(String name) {
        try {
            return Path.of(LocalSpark.class.getClassLoader().getResource(name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException(name, e);
        }
    }
}
