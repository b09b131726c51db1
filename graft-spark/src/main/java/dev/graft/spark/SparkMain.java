package dev.graft.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark-submit} entry point (also runs alone in local mode: {@code graft spark ...}, or {@code --master local[N]};
 * without a master from either, {@code local[*]}):
 * <pre>
 * features --backbone NAME [-B key=value]... --input PATH --column COL --output DIR [options]
 * predict  --model DIR                       --input PATH --column COL --output DIR [options]
 * </pre>
 * Options: {@code --format} (input: csv (header row), parquet, json, text, binaryFile; default: by extension,
 * else parquet), {@code --key COL}, {@code --engine ID}, {@code --batch-size N}, {@code --seed N},
 * {@code --cache-dir DIR} (features: also fill Graft's feature cache), {@code --ship-model} (predict: send the
 * model directory with the job), {@code --fail-on-bad-rows}, {@code --master URL}. Output is Parquet; bad rows
 * are kept with their message in {@code graft_error} and counted at the end (exit code 3 when there are any).
 */
public final class SparkMain {
    private SparkMain() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) {
            System.err.println("graft-spark: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Runs one command; returns the exit code (0, or 3 when some rows were bad). */
    public static int run(String[] args) {
        if (args.length == 0 || !(args[0].equals("features") || args[0].equals("predict"))) {
            throw new IllegalArgumentException("usage: features|predict ... (see the README of graft-spark)");
        }
        String command = args[0];
        Map<String, String> o = new LinkedHashMap<>();
        Map<String, String> backboneOptions = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--ship-model") || a.equals("--fail-on-bad-rows")) {
                o.put(a, "true");
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            String v = args[++i];
            if (a.equals("-B")) {
                int eq = v.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("-B wants key=value, got '" + v + "'");
                }
                backboneOptions.put(v.substring(0, eq), v.substring(eq + 1));
            } else if (List.of("--backbone", "--model", "--input", "--column", "--output", "--format", "--key", "--engine",
                    "--batch-size", "--seed", "--cache-dir", "--master").contains(a)) {
                o.put(a, v);
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
        String input = need(o, "--input");
        String column = need(o, "--column");
        String output = need(o, "--output");
        need(o, command.equals("features") ? "--backbone" : "--model");
        BadRows bad = o.containsKey("--fail-on-bad-rows") ? BadRows.FAIL : BadRows.REPORT;
        int batch = integer(o, "--batch-size", 32);
        SparkSession.Builder b = SparkSession.builder().appName("graft-spark " + command);
        SparkConf conf = new SparkConf();
        if (conf.contains("spark.executor.cores") && !conf.contains("spark.executorEnv.TF_NUM_INTRAOP_THREADS")) {
            // every task slot of an executor shares one TensorFlow session, whose pool is sized once, from the environment
            b = b.config("spark.executorEnv.TF_NUM_INTRAOP_THREADS", conf.get("spark.executor.cores"));
        }
        if (o.containsKey("--master")) {
            b = b.master(o.get("--master"));
        } else if (!conf.contains("spark.master")) {
            b = b.master("local[*]"); // run alone (the graft launcher's 'graft spark'), not by spark-submit
        }
        SparkSession spark = b.getOrCreate();
        if (System.getProperty("graft.home") != null) {
            spark.sparkContext().setLogLevel("WARN"); // started by the graft launcher: Graft's own quiet output
        }
        try {
            Dataset<Row> data = read(spark, input, o.get("--format"));
            Dataset<Row> out;
            if (command.equals("features")) {
                FeatureJob job = FeatureJob.of(need(o, "--backbone"), column).withOptions(backboneOptions)
                        .withKeyColumn(o.get("--key")).withEngine(o.get("--engine")).withBatchSize(batch)
                        .withSeed(integer(o, "--seed", 42)).withCacheDir(o.get("--cache-dir")).withBadRows(bad);
                out = GraftSpark.features(data, job);
            } else {
                String model = need(o, "--model");
                if (o.containsKey("--ship-model")) {
                    GraftSpark.shipModel(spark, model);
                }
                out = GraftSpark.predict(data, PredictJob.of(model, column).withKeyColumn(o.get("--key"))
                        .withEngine(o.get("--engine")).withBatchSize(batch).withBadRows(bad));
            }
            out.write().mode("errorifexists").parquet(output);
            Dataset<Row> written = spark.read().parquet(output);
            long rows = written.count();
            List<Row> errors = written.filter(GraftSpark.ERROR_COLUMN + " is not null").select(GraftSpark.ERROR_COLUMN).limit(20)
                    .collectAsList();
            long badCount = errors.isEmpty() ? 0 : written.filter(GraftSpark.ERROR_COLUMN + " is not null").count();
            System.out.printf(Locale.ROOT, "wrote %d rows to %s; %d bad%n", rows, output, badCount);
            for (Row e : errors) {
                System.out.println("  " + e.getString(0));
            }
            return badCount == 0 ? 0 : 3;
        } finally {
            spark.stop();
        }
    }

    private static Dataset<Row> read(SparkSession spark, String input, String format) {
        String f = format != null ? format : input.endsWith(".csv") ? "csv" : input.endsWith(".json") || input.endsWith(".jsonl")
                ? "json" : input.endsWith(".txt") ? "text" : "parquet";
        DataFrameReader r = spark.read().format(f);
        if (f.equals("csv")) {
            r = r.option("header", "true").option("escape", "\"").option("multiLine", "true");
        }
        return r.load(input);
    }

    private static String need(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing " + name);
        }
        return v;
    }

    private static int integer(Map<String, String> o, String name, int dflt) {
        String v = o.get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " wants a whole number, got '" + v + "'");
        }
    }
}
