package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code graft export} writes a SavedModel that plain TensorFlow runs with only what a client has:
 * a tiny BERT text model takes token ids (from the exported tokenizer.json, tokenized by the Hugging
 * Face tokenizers library), segment ids and mask; an image model takes RGB pixels. Both return the
 * probabilities {@code graft predict} prints (6 significant digits), to 1e-5. The model is run by
 * {@link SavedModelBundle} alone: no Graft class is on that path.
 */
class ExportServesWithoutGraftTest {
    @TempDir
    static Path dir;
    static Path textModel;
    static Path imageModel;
    static Path images;

    private static final List<String> TEXTS = List.of("vim emacs text editor with syntax highlighting",
            "imap smtp mail delivery to the inbox and spam");

    @BeforeAll
    static void fitTwoSmallModels() throws Exception {
        Path train = StatusFiles.write(dir.resolve("status"), List.of("editors", "mail", "games"), 12, 0, 3);
        textModel = dir.resolve("text-model");
        CliRun text = CliRun.of("fit", "-b", "bert-tiny", "-s", "fine-tuning", "-d", train.toString(), "--epochs", "4",
                "--lr", "1e-3", "--batch-size", "8", "--cache-dir", dir.resolve("cache").toString(), "-o", textModel.toString());
        assertThat(text.exit()).as(text.toString()).isZero();
        images = dir.resolve("images");
        for (int i = 0; i < 4; i++) {
            png(images.resolve("red/r" + i + ".png"), 0xd02020, i);
            png(images.resolve("blue/b" + i + ".png"), 0x2020d0, 100 + i);
        }
        imageModel = dir.resolve("image-model");
        // caffe preprocessing: BGR order and mean subtraction, both now done in the exported graph; a frozen random
        // backbone (its batch norms on their initial statistics) keeps the probabilities away from 0 and 1
        CliRun image = CliRun.of("fit", "-b", "resnet18", "-B", "width=4", "-B", "size=16", "-B", "preprocessing=caffe",
                "-s", "feature-extraction", "-d", images.toString(), "--epochs", "3", "--batch-size", "4", "--cache-dir",
                dir.resolve("cache").toString(), "-o", imageModel.toString());
        assertThat(image.exit()).as(image.toString()).isZero();
    }

    static Path png(Path file, int rgb, long seed) throws Exception {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, rgb ^ r.nextInt(0x404040));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** Each JSON line's scores, in label order, from {@code graft predict}. */
    static List<Map<String, Double>> predict(Path model, List<String> inputs) {
        List<String> args = new ArrayList<>(List.of("predict", "-m", model.toString()));
        args.addAll(inputs);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        List<Map<String, Double>> out = new ArrayList<>();
        Pattern score = Pattern.compile("\"([^\"]+)\":([-0-9.eE+]+)");
        for (String line : r.out().strip().split("\n")) {
            Map<String, Double> m = new LinkedHashMap<>();
            Matcher mt = score.matcher(line.substring(line.indexOf("\"scores\":")));
            while (mt.find()) {
                m.put(mt.group(1), Double.parseDouble(mt.group(2)));
            }
            out.add(m);
        }
        return out;
    }

    static Path export(Path model, String name) {
        Path out = dir.resolve("serving").resolve(name).resolve("1");
        CliRun r = CliRun.of("export", "-m", model.toString(), "-o", out.toString(), "--engine", "tensorflow");
        assertThat(r.exit()).as(r.toString()).isZero();
        return out;
    }

    static void assertSameProbabilities(List<Map<String, Double>> graft, float[] served, List<String> labels) {
        assertThat(served).hasSize(graft.size() * labels.size());
        // answers that differ between examples and are not all saturated at 0 or 1, so that a wrong input
        // (channel order, normalisation, mask) cannot pass unseen
        double spread = 0;
        boolean inside = false;
        for (int i = 0; i < graft.size(); i++) {
            for (int c = 0; c < labels.size(); c++) {
                float p = served[i * labels.size() + c];
                inside |= p > 1e-4 && p < 1 - 1e-4;
                spread = Math.max(spread, Math.abs(p - served[c]));
            }
        }
        assertThat(spread).as("largest difference between examples' probabilities").isGreaterThan(1e-4);
        assertThat(inside).as("some probability between 1e-4 and 1 - 1e-4: " + java.util.Arrays.toString(served)).isTrue();
        for (int i = 0; i < graft.size(); i++) {
            assertThat(graft.get(i).keySet()).containsExactlyElementsOf(labels);
            for (int c = 0; c < labels.size(); c++) {
                assertThat((double) served[i * labels.size() + c]).as("example %d, label %s", i, labels.get(c))
                        .isCloseTo(graft.get(i).get(labels.get(c)), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void textExportTakesTokenIdsAndMaskAndReturnsGraftsProbabilities() throws Exception {
        Path out = export(textModel, "text");
        Path assets = out.resolve("assets");
        List<String> labels = Files.readAllLines(assets.resolve("labels.txt"), StandardCharsets.UTF_8);
        assertThat(labels).containsExactly("editors", "games", "mail");
        assertThat(Files.readString(assets.resolve("serving.json"))).contains("\"input_ids\"").contains("\"input_mask\"")
                .contains("\"segment_ids\"").doesNotContain("token_index").doesNotContain("head_index")
                .doesNotContain("position_ids");
        List<Map<String, Double>> graft = predict(textModel, TEXTS);

        // the client: Hugging Face tokenizers on the exported tokenizer.json, plain TensorFlow for the model
        int n = TEXTS.size();
        List<Encoding> enc = new ArrayList<>();
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(assets.resolve("tokenizer.json"))) {
            for (String t : TEXTS) {
                enc.add(tok.encode(t));
            }
        }
        int len = enc.stream().mapToInt(e -> e.getIds().length).max().orElseThrow();
        int[] ids = new int[n * len];
        int[] mask = new int[n * len];
        int[] types = new int[n * len];
        for (int i = 0; i < n; i++) {
            long[] e = enc.get(i).getIds();
            for (int j = 0; j < e.length; j++) {
                ids[i * len + j] = (int) e[j];
                mask[i * len + j] = 1;
                types[i * len + j] = (int) enc.get(i).getTypeIds()[j];
            }
        }
        float[] served;
        try (SavedModelBundle model = SavedModelBundle.load(out.toString(), "serve");
                TInt32 idT = TInt32.tensorOf(Shape.of(n, len), DataBuffers.of(ids, true, false));
                TInt32 maskT = TInt32.tensorOf(Shape.of(n, len), DataBuffers.of(mask, true, false));
                TInt32 typeT = TInt32.tensorOf(Shape.of(n, len), DataBuffers.of(types, true, false))) {
            Map<String, Tensor> feed = Map.of("input_ids", idT, "input_mask", maskT, "segment_ids", typeT);
            try (Result r = model.function("serving_default").call(feed)) {
                served = floats((TFloat32) r.get("probabilities").orElseThrow());
            }
        }
        assertSameProbabilities(graft, served, labels);
    }

    @Test
    void imageExportTakesPixelsAndReturnsGraftsProbabilities() throws Exception {
        Path out = export(imageModel, "image");
        List<String> labels = Files.readAllLines(out.resolve("assets/labels.txt"), StandardCharsets.UTF_8);
        assertThat(labels).containsExactly("blue", "red");
        assertThat(Files.readString(out.resolve("assets/serving.json"))).contains("\"pixels\"").contains("\"BGR\"");
        List<Path> files = List.of(images.resolve("red/r1.png"), images.resolve("blue/b2.png"), images.resolve("red/r3.png"));
        List<Map<String, Double>> graft = predict(imageModel, files.stream().map(Path::toString).toList());

        float[] pixels = new float[files.size() * 16 * 16 * 3];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int rgb = img.getRGB(x, y);
                    int at = ((i * 16 + y) * 16 + x) * 3;
                    pixels[at] = (rgb >> 16) & 0xff;
                    pixels[at + 1] = (rgb >> 8) & 0xff;
                    pixels[at + 2] = rgb & 0xff;
                }
            }
        }
        float[] served;
        try (SavedModelBundle model = SavedModelBundle.load(out.toString(), "serve");
                TFloat32 px = TFloat32.tensorOf(Shape.of(files.size(), 16, 16, 3), DataBuffers.of(pixels, true, false));
                Result r = model.function("serving_default").call(Map.of("pixels", px))) {
            served = floats((TFloat32) r.get("probabilities").orElseThrow());
        }
        assertSameProbabilities(graft, served, labels);
    }

    @Test
    void aModelSavedWithTheOldIndexInputsIsRefusedWithAMessageToReSave() throws Exception {
        // an encoder saved before position ids and gather indices moved into the graph read token_index:
        // a copy of the model whose network reads it in place of the mask stands for one
        Path old = dir.resolve("old-model");
        Files.createDirectories(old);
        try (var s = Files.list(textModel)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.copy(f, old.resolve(f.getFileName()));
            }
        }
        Path net = old.resolve("network.json");
        Files.writeString(net, Files.readString(net).replace("\"input_mask\"", "\"token_index\""));
        CliRun p = CliRun.of("predict", "-m", old.toString(), "some text");
        assertThat(p.exit()).as(p.toString()).isNotZero();
        assertThat(p.err()).contains("token_index").contains("earlier Graft version").contains("re-save");
        CliRun e = CliRun.of("export", "-m", old.toString(), "-o", dir.resolve("old-export").toString());
        assertThat(e.exit()).as(e.toString()).isNotZero();
        assertThat(e.err()).contains("token_index").contains("re-save");
    }

    private static float[] floats(TFloat32 t) {
        float[] f = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(f, false, false));
        return f;
    }
}
