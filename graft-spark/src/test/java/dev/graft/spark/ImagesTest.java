package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image backbones over path and bytes columns: the same vectors as single-JVM Graft; unreadable images reported. */
class ImagesTest {
    @TempDir
    Path dir;

    @Test
    void pathAndBytesColumnsGiveSingleJvmVectorsAndUnreadableImagesAreReported() throws Exception {
        Random r = new Random(3);
        List<Row> rows = new ArrayList<>();
        List<Object> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            BufferedImage img = new BufferedImage(40 + i, 36, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            Path p = dir.resolve("img" + i + ".png");
            ImageIO.write(img, "png", p.toFile());
            rows.add(RowFactory.create("img" + i, p.toString(), Files.readAllBytes(p)));
            good.add(p);
        }
        Path corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        rows.add(RowFactory.create("corrupt", corrupt.toString(), Files.readAllBytes(corrupt)));
        rows.add(RowFactory.create("missing", dir.resolve("missing.png").toString(), null));
        StructType schema = new StructType().add("key", DataTypes.StringType).add("path", DataTypes.StringType)
                .add("bytes", DataTypes.BinaryType, true);
        SparkSession spark = LocalSpark.session();
        Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(2);
        FeatureJob job = FeatureJob.of("resnet18", "path").withOptions(LocalSpark.TINY_RESNET).withKeyColumn("key")
                .withBatchSize(4).withSeed(5);
        Map<String, float[]> ref = FeaturesTest.reference("resnet18", LocalSpark.TINY_RESNET, 5, good);
        Map<String, Row> byPath = byKey(GraftSpark.features(data, job));
        Map<String, Row> byBytes = byKey(GraftSpark.features(data, job.withInputColumn("bytes")));
        for (int i = 0; i < 6; i++) {
            String k = "img" + i;
            float[] want = ref.get(dir.resolve(k + ".png").toString());
            for (Row row : List.of(byPath.get(k), byBytes.get(k))) {
                assertThat((String) row.getAs(GraftSpark.ERROR_COLUMN)).isNull();
                assertThat(FeaturesTest.floats(row.getList(row.fieldIndex("features"))))
                        .containsExactly(want, org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        assertThat((String) byPath.get("corrupt").getAs(GraftSpark.ERROR_COLUMN)).startsWith("row corrupt: ")
                .contains(corrupt.toString());
        assertThat((String) byBytes.get("corrupt").getAs(GraftSpark.ERROR_COLUMN)).startsWith("row corrupt: ");
        assertThat((String) byPath.get("missing").getAs(GraftSpark.ERROR_COLUMN)).startsWith("row missing: image file")
                .contains("does not exist");
        assertThat((String) byBytes.get("missing").getAs(GraftSpark.ERROR_COLUMN)).isEqualTo("row missing: null image");
        assertThat(byPath.get("corrupt").isNullAt(byPath.get("corrupt").fieldIndex("features"))).isTrue();
    }

    private static Map<String, Row> byKey(Dataset<Row> d) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : d.collectAsList()) {
            m.put(r.getAs("key"), r);
        }
        assertThat(m).hasSize(8);
        return m;
    }
}
