package dev.graft.crossengine;

import com.google.inject.Guice;
import com.google.inject.util.Modules;
import dev.graft.core.Graft;
import dev.graft.core.GraftModule;
import dev.graft.core.config.HeadConfig;
import dev.graft.core.spi.Task;
import dev.graft.core.train.TrainerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Child JVM: with both engines on the class path and PyTorch chosen by a Guice binding, trains one
 * step with every backbone kind (ResNet, BERT, the CLI's scratch wrapper, the opaque SavedModel BERT)
 * and writes, one line each: {@code <kind> ok} or {@code <kind> refused: <message>}, then
 * {@code created <engines created>} and {@code libraries <engine libraries mapped>}.
 *
 * <p>Arguments: {@code imageFolder textCsv cacheDir report}.
 */
public final class BoundEngineMain {
    private BoundEngineMain() {
    }

    public static void main(String[] args) throws Exception {
        Graft g = Guice.createInjector(Modules.override(new GraftModule()).with(new EngineBinding("pytorch"))).getInstance(Graft.class);
        Path images = Path.of(args[0]);
        Path text = Path.of(args[1]);
        Path cache = Path.of(args[2]);
        TrainerConfig one = TrainerConfig.defaults().withEpochs(1).withMaxSteps(1).withBatchSize(4).withSeed(3);
        Map<String, String> bert = Map.of("layers", "1", "hidden", "16", "heads", "2", "maxLength", "16");
        List<String> lines = new ArrayList<>();
        lines.add(run(g, "resnet18", images, "image-folder", "resnet18", Map.of("size", "32", "width", "4"), one, cache));
        lines.add(run(g, "bert-tiny", text, "csv", "bert-tiny", bert, one, cache));
        java.util.Map<String, String> scratch = new java.util.LinkedHashMap<>(bert);
        scratch.put("of", "bert-tiny");
        lines.add(run(g, "scratch", text, "csv", "scratch", scratch, one, cache));
        lines.add(run(g, "savedmodel", text, "csv", "bert-base-uncased-savedmodel", Map.of("maxLength", "16", "trusted", "true"), one, cache));
        lines.add("created " + ProcessFacts.enginesCreated());
        lines.add("libraries " + ProcessFacts.engineLibraries());
        Files.write(Path.of(args[3]), lines, StandardCharsets.UTF_8);
    }

    private static String run(Graft g, String kind, Path data, String format, String backbone, Map<String, String> options,
            TrainerConfig tc, Path cache) {
        try {
            g.pipeline().data(data, format, Map.of()).backbone(backbone, options).strategy("fine-tuning", Map.of())
                    .head(HeadConfig.linear(Task.CLASSIFICATION)).trainer(tc).cacheDir(cache).run();
            return kind + " ok";
        } catch (Exception | LinkageError e) {
            return kind + " refused: " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
    }
}
