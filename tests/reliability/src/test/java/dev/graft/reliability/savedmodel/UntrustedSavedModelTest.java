package dev.graft.reliability.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.nlp.PretrainedBert;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SavedModels whose graphs use file-system ops are refused by default, before anything in them runs,
 * with an error naming the ops and the exact opt-in, even when the caller trusts the model; with the
 * opt-in (and trust) they load and the ops really run (so the screen is what protects). Real models
 * (BERT-Base, Graft's own exports) pass by default.
 */
class UntrustedSavedModelTest {
    static final String ALLOW = "graft.savedmodel.allowOps";
    static final Engine ENGINE = SmallNet.engine();
    static final SavedModelOptions TRUSTED = SavedModelOptions.trustedModel();

    @TempDir
    Path dir;

    @AfterEach
    void clearOptIn() {
        System.clearProperty(ALLOW);
    }

    private static float[] runY(SavedModel m) {
        return m.run("serving_default", Map.of("x", HostTensor.of(new float[] {1, 2}, 2)), List.of("y")).get("y").floats();
    }

    @Test
    void readFileAndWriteFileAreRefusedByDefaultAndRunOnlyWithTheNamedOptIn() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "api-key=12345");
        Path stolen = dir.resolve("stolen.txt");
        Path model = HostileGraphs.copier(dir.resolve("copier"), secret, stolen);

        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining(model.toString()).hasMessageContaining("ReadFile at node")
                .hasMessageContaining("WriteFile at node").hasMessageContaining("-D" + ALLOW + "=ReadFile,WriteFile");
        assertThat(stolen).doesNotExist();

        System.setProperty(ALLOW, "ReadFile"); // naming only one of the two is not enough
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining("-D" + ALLOW + "=WriteFile");

        System.setProperty(ALLOW, "ReadFile,WriteFile");
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            assertThat(m.opTypes()).contains("ReadFile", "WriteFile");
            assertThat(runY(m)).containsExactly(2f, 4f);
        }
        assertThat(stolen).hasContent("api-key=12345");
    }

    @Test
    void matchingFilesIsRefusedByDefaultAndListsFilesWithTheOptIn() throws Exception {
        for (int i = 0; i < 3; i++) {
            Files.writeString(dir.resolve("f" + i + ".log"), "x");
        }
        Path model = HostileGraphs.lister(dir.resolve("lister"), dir.resolve("*.log").toString());
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining("MatchingFiles at node").hasMessageContaining("-D" + ALLOW + "=MatchingFiles");
        System.setProperty(ALLOW, "MatchingFiles");
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            HostTensor count = m.run("serving_default", Map.of("x", HostTensor.of(new float[] {1}, 1)), List.of("count"))
                    .get("count");
            assertThat(count.ints()).containsExactly(3);
        }
    }

    @Test
    void anyOpOutsideTheAllowlistIsRefusedEvenIfHarmless() throws Exception {
        Path model = HostileGraphs.export(dir.resolve("strlen"),
                (tf, x) -> tf.size(tf.strings.stringLength(tf.reshape(tf.constant("abc"), tf.constant(new int[] {1})))));
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining("StringLength at node").hasMessageContaining("-D" + ALLOW + "=StringLength");
        System.setProperty(ALLOW, "StringLength");
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            assertThat(m.run("serving_default", Map.of("x", HostTensor.of(new float[] {1}, 1)), List.of("count")).get("count")
                    .ints()).containsExactly(1);
        }
    }

    @Test
    void checkpointOpsReachedByASignatureAreRefused() throws Exception {
        Path target = dir.resolve("planted");
        Path model = HostileGraphs.saver(dir.resolve("saver"), target);
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining("SaveV2 at node").hasMessageContaining("checkpoint ops are refused on the load path")
                .hasMessageContaining("run by signature 'serving_default'");
        assertThat(dir.resolve("planted.index")).doesNotExist();
    }

    @Test
    void everyMetaGraphTheTagsCouldSelectIsScreened() throws Exception {
        Path stolen = dir.resolve("stolen.txt");
        Path model = HostileGraphs.copier(dir.resolve("two-graphs"), Files.writeString(dir.resolve("s.txt"), "s"), stolen);
        HostileGraphs.appendBenignMetaGraph(model, HostileGraphs.benign(dir.resolve("benign")));
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve")).isInstanceOf(EngineException.class)
                .hasMessageContaining("WriteFile");
        try (SavedModel m = ENGINE.openSavedModel(HostileGraphs.benign(dir.resolve("benign2")), "serve", TRUSTED)) {
            assertThat(runY(m)).containsExactly(2f, 4f);
        }
        assertThat(stolen).doesNotExist();
    }

    @Test
    void bertBaseSavedModelPassesTheDefaultScreen() throws Exception {
        // opening screens the graph and runs nothing (its constant claims are weighed against the files' real size)
        try (SavedModel m = ENGINE.openSavedModel(PretrainedBert.savedModelDir(), "serve")) {
            assertThat(m.opTypes()).contains("RestoreV2", "SaveV2", "MergeV2Checkpoints", "BatchMatMul", "ResourceGather")
                    .hasSize(46);
            assertThat(m.trusted()).isFalse();
            assertThat(m.variables()).containsKey("module/bert/encoder/layer_0/attention/self/query/kernel");
        }
    }

    @Test
    void graftExportsOfEveryOpAndOptimizerPassTheDefaultScreen() throws Exception {
        for (Path export : OpInventory.exportGraftModels(ENGINE, dir)) {
            try (SavedModel m = ENGINE.openSavedModel(export, "serve")) {
                assertThat(m.opTypes()).as(export.toString()).contains("VarHandleOp", "ReadVariableOp");
            }
        }
    }
}
