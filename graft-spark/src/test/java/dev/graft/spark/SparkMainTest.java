package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point, run in local mode. */
class SparkMainTest {
    @TempDir
    Path dir;

    @Test
    void writesVectorsAsParquetAndExitsThreeWhenSomeRowsAreBad() throws Exception {
        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, "id,text\n1,\"A fine, quiet film.\"\n2,\n3,Awful food.\n");
        Path out = dir.resolve("out");
        int code = SparkMain.run(new String[] {"features", "--master", "local[2]", "--backbone", "bert-tiny",
            "-B", "vocab=" + LocalSpark.VOCAB, "-B", "layers=1", "-B", "hidden=16", "-B", "heads=2", "--input", csv.toString(),
            "--column", "text", "--key", "id", "--output", out.toString()});
        assertThat(code).isEqualTo(3);
        List<Row> rows = LocalSpark.session().read().parquet(out.toString()).orderBy("id").collectAsList();
        assertThat(rows).extracting(r -> r.getAs("id")).containsExactly("1", "2", "3");
        assertThat(rows.get(0).getList(rows.get(0).fieldIndex("features"))).hasSize(16);
        assertThat((String) rows.get(1).getAs(GraftSpark.ERROR_COLUMN)).isEqualTo("row 2: null text");
    }

    @Test
    void refusesUnknownOptionsAndMissingValues() {
        assertThatThrownBy(() -> SparkMain.run(new String[] {"features", "--colum", "text"}))
                .hasMessage("unknown option --colum");
        assertThatThrownBy(() -> SparkMain.run(new String[] {"predict", "--input", "x.csv", "--column", "text", "--output", "o"}))
                .hasMessage("missing --model");
        assertThatThrownBy(() -> SparkMain.run(new String[] {"embed"})).hasMessageContaining("usage: features|predict");
    }
}
