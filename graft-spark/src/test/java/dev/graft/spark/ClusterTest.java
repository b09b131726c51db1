package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.spark.internal.ExecutorModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-JVM cluster on this machine: Spark's local-cluster mode (a master and two workers in this
 * JVM, each executor its own JVM on 127.0.0.1). Tagged {@code cluster}, excluded by default (executor JVMs
 * each load TensorFlow): {@code mvn -o -pl graft-spark -am verify -Dtest=ClusterTest -Dgraft.spark.excludedGroups=
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("cluster")
class ClusterTest {
    static final int ROWS = 600;
    @TempDir
    Path dir;

    private SparkSession cluster() throws Exception {
        // executors are launched from a "Spark home": ours is empty, the class path comes from this JVM
        Path home = dir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        SparkSession running = SparkSession.getActiveSession().isDefined() ? SparkSession.active() : null;
        if (running != null) {
            running.stop();
        }
        return SparkSession.builder().master("local-cluster[2,1,1024]").appName("graft-spark-cluster")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "900m")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dgraft.cache.dir="
                        + System.getProperty("graft.cache.dir", System.getProperty("java.io.tmpdir")))
                .config("spark.task.maxFailures", "4")
                .getOrCreate();
    }

    private static Dataset<Row> texts(SparkSession spark) {
        return spark.range(ROWS).select(functions.col("id").cast("string").as("id"),
                functions.concat(functions.lit("review number "), functions.col("id"),
                        functions.lit(" was a fine, quiet film with awful food")).as("text")).repartition(12);
    }

    @Test
    void everyRowComesOutExactlyOnceWhenAnExecutorIsKilledMidJob() throws Exception {
        SparkSession spark = cluster();
        try {
            FeatureJob job = FeatureJob.of("bert-tiny", "text").withOptions(LocalSpark.TINY_BERT).withKeyColumn("id")
                    .withBatchSize(16);
            // a first job: two executor JVMs, each loads the backbone once for all its tasks
            assertThat(GraftSpark.features(texts(spark), job).filter("graft_error is null").count()).isEqualTo(ROWS);
            Map<Long, Integer> loads = loadsByJvm(spark);
            assertThat(loads).hasSize(2);
            assertThat(loads.values()).containsOnly(1);

            AtomicBoolean killed = new AtomicBoolean();
            AtomicLong victim = new AtomicLong();
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (killed.compareAndSet(false, true)) {
                        ProcessHandle.current().descendants().filter(ClusterTest::isExecutor).findFirst().ifPresent(p -> {
                                    victim.set(p.pid());
                                    p.destroyForcibly();
                                });
                    }
                }
            });
            Path out = dir.resolve("features");
            GraftSpark.features(texts(spark), job).write().parquet(out.toString());
            assertThat(victim.get()).as("an executor was killed").isPositive();
            Dataset<Row> written = spark.read().parquet(out.toString());
            assertThat(written.count()).isEqualTo(ROWS);
            assertThat(written.select("id").distinct().count()).isEqualTo(ROWS);
            assertThat(written.filter("graft_error is null and size(features) = 32").count()).isEqualTo(ROWS);
        } finally {
            spark.stop();
            System.clearProperty("spark.testing");
        }
    }

    private static boolean isExecutor(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.ISO_8859_1).contains("CoarseGrainedExecutorBackend");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Each executor JVM's process id and how many models it loaded. */
    private static Map<Long, Integer> loadsByJvm(SparkSession spark) {
        MapPartitionsFunction<Long, String> probe = it -> List.of(ProcessHandle.current().pid() + ":" + ExecutorModels.loads())
                .iterator();
        Map<Long, Integer> m = new HashMap<>();
        List<String> seen = new ArrayList<>(spark.range(0, 64, 1, 16).as(Encoders.LONG()).mapPartitions(probe, Encoders.STRING())
                .collectAsList());
        for (String s : seen) {
            String[] p = s.split(":");
            m.put(Long.parseLong(p[0]), Integer.parseInt(p[1]));
        }
        assertThat(m).doesNotContainKey(ProcessHandle.current().pid());
        return m;
    }
}
