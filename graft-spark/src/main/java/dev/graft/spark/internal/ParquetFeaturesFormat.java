package dev.graft.spark.internal;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.PrecomputedFeatures;
import dev.graft.spark.GraftSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The {@code parquet-features} dataset format: feature vectors written as Parquet by
 * {@link GraftSpark#features} (a file, or the folder of part files Spark writes), one example per row with
 * the vector, its label, its key and the backbone that produced it. Each example's input is a
 * {@link PrecomputedFeatures}, so {@code graft fit -s feature-extraction} and {@code graft recommend} use the
 * vectors without running the backbone, and refuse them with any other backbone.
 *
 * <p>Options: {@code features} (the vector column, default {@code features}), {@code label} ({@code label}),
 * {@code key} ({@code id}; the row's name in every message). A row with an error from the Spark job, a null
 * or empty vector, a null element, a non-finite value, a vector of another length than the first row's, no
 * label, no key or no backbone is a bad row, reported as {@code <path>[<key column>=<key>]: <what>}.
 *
 * <p>Read with parquet-hadoop from the class path (the jars Spark ships); graft-spark is not a JPMS module,
 * so the format exists only when graft-spark is on the class path (the {@code graft} launcher adds it).
 */
public final class ParquetFeaturesFormat implements DatasetFormat {
    private static final Set<String> OPTIONS = Set.of("features", "label", "key");

    @Override
    public String id() {
        return "parquet-features";
    }

    @Override
    public boolean accepts(Path path) {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().endsWith(".parquet");
        }
        try {
            return Files.isDirectory(path) && !parts(path).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Result read(Path path, Map<String, String> options) throws IOException {
        for (String o : options.keySet()) {
            if (!OPTIONS.contains(o)) {
                throw new IllegalArgumentException("parquet-features has no option '" + o + "'; options: " + OPTIONS);
            }
        }
        Columns c = new Columns(options.getOrDefault("features", "features"), options.getOrDefault("label", "label"),
                options.getOrDefault("key", "id"));
        List<Path> files = Files.isDirectory(path) ? parts(path) : List.of(path);
        if (files.isEmpty()) {
            throw new IOException(path + ": no Parquet files (*.parquet) in this folder");
        }
        List<Example> examples = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        int[] dimension = {-1};
        for (Path f : files) {
            readFile(path, f, c, examples, problems, dimension);
        }
        return new Result(examples, problems);
    }

    private record Columns(String features, String label, String key) {
    }

    private static List<Path> parts(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".parquet") && !n.startsWith("_") && !n.startsWith(".") && Files.isRegularFile(p);
            }).sorted().toList();
        }
    }

    private static void readFile(Path data, Path file, Columns c, List<Example> examples, List<Problem> problems,
            int[] dimension) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder().build())) {
            MessageType schema = r.getFooter().getFileMetaData().getSchema();
            List<Type> wanted = new ArrayList<>();
            for (String name : List.of(c.features(), c.label(), c.key(), GraftSpark.BACKBONE_COLUMN,
                    GraftSpark.BACKBONE_KEY_COLUMN, GraftSpark.ERROR_COLUMN)) {
                if (schema.containsField(name)) {
                    wanted.add(schema.getType(name));
                } else if (!name.equals(GraftSpark.ERROR_COLUMN)) {
                    throw new IOException(file + ": no column '" + name + "'" + hint(name) + "; the file has columns "
                            + schema.getFields().stream().map(Type::getName).toList());
                }
            }
            checkVectorType(file, schema.getType(c.features()));
            MessageType projection = new MessageType(schema.getName(), wanted);
            r.setRequestedSchema(projection);
            String where = data.toString();
            for (PageReadStore pages; (pages = r.readNextRowGroup()) != null;) {
                RecordReader<Group> rows = new ColumnIOFactory().getColumnIO(projection, schema)
                        .getRecordReader(pages, new GroupRecordConverter(projection));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    row(rows.read(), where, c, examples, problems, dimension);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a readable Parquet file of feature vectors: " + e.getMessage(), e);
        }
    }

    private static String hint(String column) {
        return column.startsWith("graft_backbone")
                ? " (which backbone produced the vectors: GraftSpark.features and 'graft spark features' write it)"
                : " (name it with -D features=..., -D label=... or -D key=...)";
    }

    private static void checkVectorType(Path file, Type t) throws IOException {
        boolean ok = !t.isPrimitive() && t.asGroupType().getFieldCount() == 1 && t.asGroupType().getType(0).isRepetition(
                Type.Repetition.REPEATED) && !t.asGroupType().getType(0).isPrimitive();
        if (ok) {
            Type element = t.asGroupType().getType(0).asGroupType().getType(0);
            ok = element.isPrimitive() && element.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT;
        }
        if (!ok) {
            throw new IOException(file + ": column '" + t.getName() + "' is " + t.toString().strip()
                    + ", not a list of floats (array<float>)");
        }
    }

    private static void row(Group g, String where, Columns c, List<Example> examples, List<Problem> problems,
            int[] dimension) {
        String key = text(g, c.key());
        String source = where + "[" + c.key() + "=" + key + "]";
        String error = text(g, GraftSpark.ERROR_COLUMN);
        if (key == null) {
            problems.add(new Problem(where + "[" + c.key() + "=null]", "no row key"));
            return;
        }
        if (error != null) {
            problems.add(new Problem(source, "the feature job reported: " + error));
            return;
        }
        String label = text(g, c.label());
        if (label == null || label.isBlank()) {
            problems.add(new Problem(source, "no label (column '" + c.label() + "')"));
            return;
        }
        String producer = text(g, GraftSpark.BACKBONE_COLUMN);
        String backboneKey = text(g, GraftSpark.BACKBONE_KEY_COLUMN);
        if (producer == null || backboneKey == null) {
            problems.add(new Problem(source, "no backbone (columns '" + GraftSpark.BACKBONE_COLUMN + "', '"
                    + GraftSpark.BACKBONE_KEY_COLUMN + "'): which backbone produced this vector is unknown"));
            return;
        }
        float[] v;
        try {
            v = vector(g, c.features(), dimension[0]);
        } catch (IllegalArgumentException bad) {
            problems.add(new Problem(source, bad.getMessage()));
            return;
        }
        if (dimension[0] < 0) {
            dimension[0] = v.length;
        }
        examples.add(new Example(source, new PrecomputedFeatures(v, backboneKey, producer), label));
    }

    private static String text(Group g, String column) {
        GroupType t = g.getType();
        if (!t.containsField(column) || g.getFieldRepetitionCount(column) == 0) {
            return null;
        }
        return g.getValueToString(t.getFieldIndex(column), 0);
    }

    private static float[] vector(Group g, String column, int dimension) {
        if (g.getFieldRepetitionCount(column) == 0) {
            throw new IllegalArgumentException("null feature vector (column '" + column + "')");
        }
        Group list = g.getGroup(column, 0);
        int n = list.getFieldRepetitionCount(0);
        if (n == 0) {
            throw new IllegalArgumentException("empty feature vector (column '" + column + "')");
        }
        if (dimension >= 0 && n != dimension) {
            throw new IllegalArgumentException(n + " features, but the first row has " + dimension);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            Group e = list.getGroup(0, i);
            if (e.getFieldRepetitionCount(0) == 0) {
                throw new IllegalArgumentException("feature " + i + " is null");
            }
            v[i] = e.getFloat(0, 0);
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException("feature " + i + " is " + v[i]);
            }
        }
        return v;
    }
}
