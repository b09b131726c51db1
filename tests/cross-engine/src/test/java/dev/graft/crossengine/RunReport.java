package dev.graft.crossengine;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a child JVM did, written as JSON for the test to compare: the engine it ran on, the engines
 * it found, which of the two engines were created and which native libraries it mapped, and one row
 * per test example.
 *
 * @param engine          id of the engine that ran the model
 * @param engineVersion   that engine's runtime version
 * @param providers       engine providers found on the class path, by id
 * @param created         per engine id, whether its engine was created in this process
 * @param nativeLibraries TensorFlow and PyTorch shared libraries mapped into this process
 * @param trainedWith     the engine the model's manifest names
 * @param rows            one per test example, in order
 */
record RunReport(String engine, String engineVersion, List<String> providers, Map<String, Boolean> created,
        List<String> nativeLibraries, String trainedWith, List<Row> rows) {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * @param source        the example's source (image path, CSV line)
     * @param expected      the example's label in the test data
     * @param label         top-1 label from core's {@code Predictor}
     * @param probabilities the predictor's scores, in label order
     * @param logits        the network's {@code logits} output, in label order
     */
    record Row(String source, String expected, String label, float[] probabilities, float[] logits) {
    }

    void write(Path file) throws IOException {
        Files.writeString(file, GSON.toJson(this), StandardCharsets.UTF_8);
    }

    static RunReport read(Path file) throws IOException {
        return GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), RunReport.class);
    }
}
