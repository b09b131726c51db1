package dev.graft.serve;

import dev.graft.core.Graft;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/** Trains and saves the test models once per JVM: a 3-class text model and a 3-class image model. */
public final class TestModels {
    static final String[][] WORDS = {
            {"apple", "banana", "cherry", "grape", "lemon", "mango"},
            {"red", "blue", "green", "yellow", "purple", "orange"},
            {"dog", "cat", "horse", "sheep", "goat", "mouse"}};
    static final String[] CLASSES = {"fruit", "colour", "animal"};

    private static Path text;
    private static Path image;
    private static Graft graft;

    private TestModels() {
    }

    public static synchronized Graft graft() {
        if (graft == null) {
            graft = Graft.create();
        }
        return graft;
    }

    public static synchronized Path text() throws IOException {
        if (text == null) {
            text = train("test-words", texts(60, 1));
        }
        return text;
    }

    static synchronized Path image() throws IOException {
        if (image == null) {
            image = train("test-grid", images(45, 2));
        }
        return image;
    }

    /** Texts of 3 to 5 words drawn mostly from one class. */
    public static List<Example> texts(int n, long seed) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            StringBuilder sb = new StringBuilder();
            int len = 3 + r.nextInt(3);
            for (int k = 0; k < len; k++) {
                String[] from = WORDS[r.nextInt(5) == 0 ? r.nextInt(3) : c];
                sb.append(k == 0 ? "" : " ").append(from[r.nextInt(from.length)]);
            }
            out.add(new Example("t" + i, sb.toString(), CLASSES[c]));
        }
        return out;
    }

    static final String[] COLOURS = {"red", "green", "blue"};

    /** 8 x 8 noisy images whose dominant channel is the label. */
    static List<Example> images(int n, long seed) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            out.add(new Example("i" + i, image(c, r), COLOURS[c]));
        }
        return out;
    }

    static BufferedImage image(int channel, Random r) {
        BufferedImage bi = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int[] rgb = {r.nextInt(100), r.nextInt(100), r.nextInt(100)};
                rgb[channel] += 120 + r.nextInt(30);
                bi.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        return bi;
    }

    static String png(BufferedImage bi) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(bi, "png", b);
            return Base64.getEncoder().encodeToString(b.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path train(String backbone, List<Example> data) throws IOException {
        return train(backbone, data, 0.02);
    }

    /** Trains and saves a model of {@code backbone} on {@code data} at learning rate {@code lr}; returns its folder. */
    static Path train(String backbone, List<Example> data, double lr) throws IOException {
        Files.createDirectories(Path.of("target"));
        Path dir = Files.createTempDirectory(Path.of("target"), "test-model-");
        var r = graft().pipeline().data(data).backbone(backbone, Map.of()).strategy("fine-tuning", Map.of())
                .head(HeadConfig.linear(Task.CLASSIFICATION))
                .trainer(TrainerConfig.defaults().withEpochs(10).withBatchSize(16).withLearningRate(lr)).cacheDir(dir.resolve("cache")).run();
        Path out = dir.resolve("model");
        r.model().save(out);
        return out;
    }
}
