package dev.graft.cli.internal;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code graft spark features|predict ...}: graft-spark's jobs in local mode, without spark-submit. graft-spark
 * and Spark are not JPMS modules, so the {@code graft} launcher runs this command on the class path itself (it
 * builds graft-spark's class path on first use); here it is listed, and run when graft-spark happens to be on
 * the class path of this JVM.
 */
@Command(name = "spark", description = {"Feature vectors and predictions over Apache Spark in local mode (graft-spark), without "
        + "spark-submit: graft spark features --backbone NAME --input PATH --column COL --key COL --output DIR [--master local[2]] "
        + "| graft spark predict --model DIR ... Options and cluster use: graft-spark/README.md."})
final class SparkCommand implements Callable<Integer> {
    static final String MAIN = "dev.graft.spark.SparkMain";

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> main;
        try {
            main = Class.forName(MAIN, true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            throw new UsageException("graft spark needs graft-spark and Spark on the class path; the graft launcher puts them "
                    + "there (run ./graft spark ...), or run " + MAIN + " with spark-submit (graft-spark/README.md)");
        }
        try {
            return (Integer) main.getMethod("run", String[].class).invoke(null, (Object) args.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw new UsageException(bad.getMessage());
            }
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }
}
