package dev.graft.spark.bench;

import dev.graft.core.Graft;
import dev.graft.core.model.FeatureExtractor;
import dev.graft.core.spi.Example;
import dev.graft.spark.FeatureJob;
import dev.graft.spark.GraftSpark;
import dev.graft.spark.internal.ExecutorModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Feature-extraction throughput: single-JVM Graft ({@link FeatureExtractor}) against graft-spark in local
 * mode with one task slot (one executor core) and two, on the same texts (first lines of the Debian package
 * descriptions in /var/lib/dpkg/status), the same backbone and batch size. Models are loaded before timing
 * and Spark's generated code compiled before timing (a warm-up pass of the same job each); each configuration is timed {@code reps} times, alternating, and the median kept.
 * Args: backbone (all-minilm-l6-v2), texts (256), reps (3), batch (32).
 */
public final class SparkThroughputBenchmark {
    private SparkThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String backbone = args.length > 0 ? args[0] : "all-minilm-l6-v2";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        List<String> texts = descriptions(n);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            examples.add(new Example("t" + i, texts.get(i), null));
        }
        Graft graft = Graft.create();
        double[] single = new double[reps];
        double[] one = new double[reps];
        double[] two = new double[reps];
        FeatureJob job = FeatureJob.of(backbone, "text").withBatchSize(batch);
        try (FeatureExtractor fx = FeatureExtractor.open(backbone, java.util.Map.of(), graft.engines().get(null),
                graft.backbones(), job.seed(), batch)) {
            fx.features(examples.subList(0, Math.min(batch, n)));
            for (int r = 0; r < reps; r++) {
                single[r] = time(() -> fx.features(examples));
                one[r] = spark(1, texts, job);
                two[r] = spark(2, texts, job);
                System.out.printf(Locale.ROOT, "rep %d: single JVM %.2f s, spark local[1] %.2f s, local[2] %.2f s%n", r,
                        single[r], one[r], two[r]);
            }
        }
        double s = median(single);
        double o = median(one);
        double t = median(two);
        System.out.printf(Locale.ROOT, "%s, %d texts, batch %d, median of %d:%n", backbone, n, batch, reps);
        System.out.printf(Locale.ROOT, "  single-JVM Graft  %6.2f s  %7.1f texts/s%n", s, n / s);
        System.out.printf(Locale.ROOT, "  spark local[1]    %6.2f s  %7.1f texts/s  overhead %+.1f%%%n", o, n / o, 100 * (o / s - 1));
        System.out.printf(Locale.ROOT, "  spark local[2]    %6.2f s  %7.1f texts/s  speed-up over local[1] x%.2f%n", t, n / t, o / t);
        System.out.printf(Locale.ROOT, "  model loads in this JVM (all Spark jobs): %d%n", ExecutorModels.loads());
    }

    private static double spark(int cores, List<String> texts, FeatureJob job) {
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("graft-spark-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            Dataset<Row> data = spark.createDataset(texts, Encoders.STRING()).toDF("text").repartition(cores).cache();
            data.count();
            // warm-up with the very job timed: loads the model (once per JVM) and compiles the job's generated code
            Dataset<Row> features = GraftSpark.features(data, job).filter("graft_error is null");
            features.count();
            return time(features::count);
        } finally {
            spark.stop();
        }
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static List<String> descriptions(int n) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/var/lib/dpkg/status"))) {
            if (line.startsWith("Description: ")) {
                out.add(line.substring(13));
                if (out.size() == n) {
                    return out;
                }
            }
        }
        while (out.size() < n) {
            out.add(out.get(out.size() % Math.max(1, out.size())) + " " + out.size());
        }
        return out;
    }
}
