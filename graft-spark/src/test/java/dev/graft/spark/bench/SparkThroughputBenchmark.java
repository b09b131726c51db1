package dev.graft.spark.bench;

import dev.graft.core.Graft;
import dev.graft.core.model.FeatureExtractor;
import dev.graft.core.spi.Example;
import dev.graft.spark.FeatureJob;
import dev.graft.spark.GraftSpark;
import dev.graft.spark.internal.ExecutorModels;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Feature-extraction throughput at one executor: single-JVM Graft ({@link FeatureExtractor}) against
 * graft-spark in {@code local[1]} (one task slot), on the same texts (first lines of the Debian package
 * descriptions in /var/lib/dpkg/status), the same backbone and batch size, wall and process CPU time, at
 * several sizes in one run. Where Spark's share goes is measured apart: session start-up, the model load
 * (once per executor JVM), and a job over the same rows whose per-partition function appends a constant
 * 384-float vector instead of running the backbone (task scheduling, row conversion and encoding, the
 * same plan as the real job). Configurations alternate within a repetition; medians are kept, and the ratios are also
 * taken per repetition (the two runs of a pair are a minute apart, so a busy neighbour weighs on both alike).
 * Args: backbone (all-minilm-l6-v2), sizes (comma-separated, 4096,16384), reps (3), batch (32), cores (1).
 */
public final class SparkThroughputBenchmark {
    private SparkThroughputBenchmark() {
    }

    /** Wall and process CPU seconds of one run. */
    record Time(double wall, double cpu) {
    }

    public static void main(String[] args) throws Exception {
        String backbone = args.length > 0 ? args[0] : "all-minilm-l6-v2";
        int[] sizes = Arrays.stream((args.length > 1 ? args[1] : "4096,16384").split(",")).mapToInt(Integer::parseInt).toArray();
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int cores = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int most = Arrays.stream(sizes).max().orElseThrow();
        List<String> texts = descriptions(most);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            examples.add(new Example("t" + i, texts.get(i), null));
        }
        FeatureJob job = FeatureJob.of(backbone, "text").withBatchSize(batch);
        Graft graft = Graft.create();
        Time start = time(() -> SparkSession.builder().master("local[" + cores + "]").appName("graft-spark-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1").getOrCreate());
        SparkSession spark = SparkSession.builder().getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.printf(Locale.ROOT, "spark session start-up (local[%d]): wall %.2f s, cpu %.2f s%n", cores, start.wall(), start.cpu());
        try (FeatureExtractor fx = FeatureExtractor.open(backbone, java.util.Map.of(), graft.engines().get(null),
                graft.backbones(), job.seed(), batch)) {
            fx.features(examples.subList(0, batch));
            Dataset<Row> warm = rows(spark, texts.subList(0, 4 * batch), cores);
            // the executor's first task loads the model (once per JVM) and compiles the job's generated code
            Time load = time(() -> GraftSpark.features(warm, job).filter("graft_error is null").count());
            time(() -> plumbing(warm).filter("graft_error is null").count());
            System.out.printf(Locale.ROOT, "first Spark job (%d rows; model load %d, generated code): wall %.2f s, cpu %.2f s%n",
                    4 * batch, ExecutorModels.loads(), load.wall(), load.cpu());
            for (int n : sizes) {
                List<Example> ex = examples.subList(0, n);
                Dataset<Row> data = rows(spark, texts.subList(0, n), cores);
                Time[] single = new Time[reps];
                Time[] distributed = new Time[reps];
                Time[] plumbing = new Time[reps];
                for (int r = 0; r < reps; r++) {
                    single[r] = time(() -> fx.features(ex));
                    distributed[r] = time(() -> GraftSpark.features(data, job).filter("graft_error is null").count());
                    plumbing[r] = time(() -> plumbing(data).filter("graft_error is null").count());
                    System.out.printf(Locale.ROOT, "  %d texts, rep %d: single JVM %.2f s (cpu %.2f), spark local[%d] %.2f s "
                            + "(cpu %.2f), spark without the backbone %.3f s (cpu %.3f)%n", n, r, single[r].wall(),
                            single[r].cpu(), cores, distributed[r].wall(), distributed[r].cpu(), plumbing[r].wall(), plumbing[r].cpu());
                }
                double[] wallRatio = new double[reps];
                double[] cpuRatio = new double[reps];
                for (int r = 0; r < reps; r++) {
                    wallRatio[r] = distributed[r].wall() / single[r].wall();
                    cpuRatio[r] = distributed[r].cpu() / single[r].cpu();
                }
                Time s = median(single);
                Time d = median(distributed);
                Time p = median(plumbing);
                System.out.printf(Locale.ROOT, "%s, %d texts, batch %d, median of %d:%n", backbone, n, batch, reps);
                System.out.printf(Locale.ROOT, "  single-JVM Graft      wall %7.2f s  cpu %7.2f s  %6.1f texts/s%n", s.wall(), s.cpu(),
                        n / s.wall());
                System.out.printf(Locale.ROOT, "  spark local[%d]        wall %7.2f s  cpu %7.2f s  %6.1f texts/s  wall x%.3f  cpu x%.3f%n",
                        cores, d.wall(), d.cpu(), n / d.wall(), d.wall() / s.wall(), d.cpu() / s.cpu());
                System.out.printf(Locale.ROOT, "  spark / single, paired by repetition: wall %s (median x%.3f), cpu %s (median x%.3f)%n",
                        ratios(wallRatio), median(wallRatio), ratios(cpuRatio), median(cpuRatio));
                System.out.printf(Locale.ROOT, "  spark, no backbone    wall %7.3f s  cpu %7.3f s  (%.1f%% of single-JVM wall)%n",
                        p.wall(), p.cpu(), 100 * p.wall() / s.wall());
                data.unpersist();
            }
        } finally {
            spark.stop();
        }
        System.out.printf(Locale.ROOT, "model loads in this JVM (all Spark jobs): %d%n", ExecutorModels.loads());
    }

    private static Dataset<Row> rows(SparkSession spark, List<String> texts, int partitions) {
        Dataset<Row> d = spark.createDataset(texts, Encoders.STRING()).toDF("text").repartition(partitions).cache();
        d.count();
        return d;
    }

    /** The features job's plan with the backbone replaced by a constant vector: what Spark costs per row. */
    private static Dataset<Row> plumbing(Dataset<Row> data) {
        var out = data.schema().add("features", DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(GraftSpark.ERROR_COLUMN, DataTypes.StringType, true);
        return data.mapPartitions((MapPartitionsFunction<Row, Row>) (Iterator<Row> it) -> {
            float[] v = new float[384];
            List<Row> rows = new ArrayList<>();
            while (it.hasNext()) {
                Row r = it.next();
                rows.add(RowFactory.create(r.get(0), v.clone(), null));
            }
            return rows.iterator();
        }, Encoders.row(out));
    }

    private static Time time(Supplier<?> s) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        s.get();
        return new Time((System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - c0) / 1e9);
    }

    private static String ratios(double[] v) {
        return Arrays.stream(v).mapToObj(x -> String.format(Locale.ROOT, "x%.3f", x)).toList().toString();
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static Time median(Time[] v) {
        double[] w = Arrays.stream(v).mapToDouble(Time::wall).sorted().toArray();
        double[] c = Arrays.stream(v).mapToDouble(Time::cpu).sorted().toArray();
        return new Time(w[w.length / 2], c[c.length / 2]);
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
        int distinct = out.size();
        while (out.size() < n) {
            out.add(out.get(out.size() % Math.max(1, distinct)) + " " + out.size());
        }
        return out;
    }
}
