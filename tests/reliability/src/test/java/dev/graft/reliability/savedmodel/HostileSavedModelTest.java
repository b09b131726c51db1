package dev.graft.reliability.savedmodel;

import static dev.graft.reliability.savedmodel.GraphEdits.addControlInput;
import static dev.graft.reliability.savedmodel.GraphEdits.call;
import static dev.graft.reliability.savedmodel.GraphEdits.func;
import static dev.graft.reliability.savedmodel.GraphEdits.function;
import static dev.graft.reliability.savedmodel.GraphEdits.node;
import static dev.graft.reliability.savedmodel.GraphEdits.type;
import static dev.graft.reliability.savedmodel.GraphEdits.types;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.reliability.support.ChildJvm;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * Each class of hostile SavedModel found by an independent security test, rebuilt here with the
 * raw TensorFlow API and protocol buffer edits at test time: every one is refused (or, for the decoy
 * and the endless init op, made harmless) even when the caller trusts the model, before anything in
 * it runs; and a model opened without trust never runs at all.
 */
class HostileSavedModelTest {
    static final Engine ENGINE = SmallNet.engine();
    static final SavedModelOptions TRUSTED = SavedModelOptions.trustedModel();

    @TempDir
    Path dir;

    private static float[] runY(SavedModel m) {
        return m.run("serving_default", Map.of("x", HostTensor.of(new float[] {1, 2}, 2)), List.of("y")).get("y").floats();
    }

    /** A Graft export: resource variables, a TF1 saver with SaveV2/RestoreV2 nodes, a signature. */
    private Path graftExport(String name) {
        Path out = dir.resolve(name);
        try (CompiledModel m = ENGINE.compile(SmallNet.network(8), 1)) {
            ENGINE.exportSavedModel(m, List.of("probs"), out);
        }
        return out;
    }

    @Test
    void primitiveOpNamedByABranchBodyOrCallAttributeIsRefused() throws Exception {
        Path written = dir.resolve("written.txt");
        Map<String, Map<String, AttrValue>> carriers = Map.of(
                "If", Map.of("then_branch", func("WriteFile"), "else_branch", func("NoOp")),
                "While", Map.of("cond", func("NoOp"), "body", func("WriteFile")),
                "PartitionedCall", Map.of("f", func("WriteFile")),
                // nested: a function-typed value inside the attributes of a NameAttrList
                "StatefulPartitionedCall", Map.of("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder()
                        .setName("Identity").putAttr("inner", func("WriteFile"))).build()));
        for (var c : carriers.entrySet()) {
            Path model = GraphEdits.edit(HostileGraphs.benign(dir.resolve("branch-" + c.getKey())), m -> {
                m.getGraphDefBuilder().addNode(GraphEdits.stringConst("path", written.toString()))
                        .addNode(node("evil", c.getKey(), List.of("path", "path"), c.getValue()));
                return addControlInput(m, "y", "evil");
            });
            assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).as(c.getKey())
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("WriteFile at attribute '")
                    .hasMessageContaining("of node 'evil' (an op named where a function is expected)");
        }
        assertThat(written).doesNotExist();
    }

    @Test
    void checkpointOpReachedFromTheRestoreOpThroughAFunctionIsRefused() throws Exception {
        Path planted = dir.resolve("planted");
        Path model = GraphEdits.edit(graftExport("restore-fn"), m -> {
            m.getGraphDefBuilder().getLibraryBuilder().addFunction(function("planter",
                    GraphEdits.saveV2("plant", planted.toString(), "payload")));
            m.getGraphDefBuilder().addNode(call("plant_call", "planter"));
            return addControlInput(m, GraphEdits.nodeName(m.getSaverDef().getRestoreOpName()), "plant_call");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("SaveV2 at node 'plant' of function 'planter' (checkpoint ops inside functions are not accepted)");
        assertThat(dir.resolve("planted.index")).doesNotExist();
    }

    @Test
    void restoreFromAnotherOutputOfTheFileNameNodeIsRefused() throws Exception {
        Path model = GraphEdits.edit(graftExport("output-one"), m -> {
            String file = m.getSaverDef().getFilenameTensorName();
            m.getGraphDefBuilder().addNode(GraphEdits.stringConst("elsewhere", dir.resolve("other").toString()))
                    .addNode(node("fname", "IdentityN", List.of(GraphEdits.nodeName(file), "elsewhere"),
                            Map.of("T", types(DataType.DT_STRING, DataType.DT_STRING))));
            m.getSaverDefBuilder().setFilenameTensorName("fname:0");
            GraphEdits.find(m, "RestoreV2").setInput(0, "fname:1");
            return m;
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("RestoreV2 at node")
                .hasMessageContaining("reads from tensor 'fname:1', not the saver's file name tensor 'fname:0'");
    }

    @Test
    void restoreOpThatASignatureAlsoRunsIsRefused() throws Exception {
        // run by a signature, the restore op's file name would not be fed: it would read the path its constant names
        Path model = GraphEdits.edit(graftExport("restore-signature"), m -> {
            String out = m.getSignatureDefOrThrow("serving_default").getOutputsOrThrow("probs").getName();
            m.getSaverDefBuilder().setRestoreOpName(GraphEdits.nodeName(out));
            return m;
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("(it is also run by signature 'serving_default')");
    }

    @Test
    void saveOpOnAVariablesReadPathThroughAControlInputIsRefused() throws Exception {
        Path planted = dir.resolve("planted");
        Path model = GraphEdits.edit(graftExport("var-control"), m -> {
            GraphEdits.saveV2("plant", planted.toString(), "payload").forEach(m.getGraphDefBuilder()::addNode);
            return addControlInput(m, GraphEdits.find(m, "VarHandleOp").getName(), "plant");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("SaveV2 at node 'plant' (checkpoint ops are refused on the load path; node '");
        assertThat(dir.resolve("planted.index")).doesNotExist();
    }

    @Test
    void nestedSavedModelDecoyIsNeverLoaded() throws Exception {
        Path model = HostileGraphs.benign(dir.resolve("outer"));
        Path secret = Files.writeString(dir.resolve("secret.txt"), "api-key=12345");
        Path stolen = dir.resolve("stolen.txt");
        // DJL's loader tried DIR/<folder name>/saved_model.pb before DIR/saved_model.pb
        HostileGraphs.copier(model.resolve("outer"), secret, stolen);
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            assertThat(runY(m)).containsExactly(2f, 4f);
        }
        assertThat(stolen).doesNotExist();
    }

    @Test
    void endlessLoopInTheInitOpEndsAtTheLoadDeadline() throws Exception {
        Path model = GraphEdits.edit(HostileGraphs.benign(dir.resolve("spin")), m -> {
            AttrValue i32 = type(DataType.DT_INT32);
            m.getGraphDefBuilder().addNode(GraphEdits.intConst("loop/start", 0))
                    .addNode(node("loop/enter", "Enter", List.of("loop/start"), Map.of("T", i32,
                            "frame_name", GraphEdits.string("graft_spin"), "is_constant", GraphEdits.bool(false),
                            "parallel_iterations", AttrValue.newBuilder().setI(1).build())))
                    .addNode(node("loop/merge", "Merge", List.of("loop/enter", "loop/next"), Map.of("T", i32,
                            "N", AttrValue.newBuilder().setI(2).build())))
                    .addNode(GraphEdits.boolConst("loop/true", true, "loop/merge"))
                    .addNode(node("loop/cond", "LoopCond", List.of("loop/true"), Map.of()))
                    .addNode(node("loop/switch", "Switch", List.of("loop/merge", "loop/cond"), Map.of("T", i32)))
                    .addNode(node("loop/body", "Identity", List.of("loop/switch:1"), Map.of("T", i32)))
                    .addNode(node("loop/next", "NextIteration", List.of("loop/body"), Map.of("T", i32)))
                    .addNode(node("loop/exit", "Exit", List.of("loop/switch:0"), Map.of("T", i32)))
                    .addNode(node("loop/init", "NoOp", List.of("^loop/exit"), Map.of()));
            m.removeSignatureDef("__saved_model_init_op");
            return m.putCollectionDef("saved_model_main_op", CollectionDef.newBuilder()
                    .setNodeList(CollectionDef.NodeList.newBuilder().addValue("loop/init")).build());
        });
        // TensorFlow cannot interrupt the loop, which keeps a CPU busy: run it in a child JVM, killed afterwards
        try (ChildJvm child = ChildJvm.start(SpinningLoad.class, model.toString())) {
            assertThat(child.awaitLine(l -> l.startsWith("REFUSED") || l.startsWith("LOADED"), 120_000))
                    .as("child output:\n%s", child.output()).isTrue();
            String line = child.lines().stream().filter(l -> l.startsWith("REFUSED") || l.startsWith("LOADED")).findFirst()
                    .orElseThrow();
            assertThat(line).startsWith("REFUSED after ").contains("TensorFlow could not load SavedModel " + model.toRealPath())
                    .contains("within the load deadline of 3000 ms");
            double seconds = Double.parseDouble(line.split(" ")[2]);
            System.out.printf("endless init op: the caller got the error after %.1f s%n", seconds);
            assertThat(seconds).isBetween(2.9, 10.0);
            child.kill();
        }
    }

    /** Opens a model with a 3 s load deadline and runs it: prints LOADED, or REFUSED after SECONDS s: MESSAGE. */
    public static final class SpinningLoad {
        public static void main(String[] args) {
            Path model = Path.of(args[0]);
            try (SavedModel m = SmallNet.engine().openSavedModel(model, "serve", TRUSTED.withLoadTimeout(Duration.ofSeconds(3)))) {
                long start = System.nanoTime();
                try {
                    runY(m);
                    System.out.println("LOADED");
                } catch (EngineException e) {
                    System.out.printf("REFUSED after %.2f s: %s%n", (System.nanoTime() - start) / 1e9,
                            e.getMessage().replace('\n', ' '));
                }
            }
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    @Test
    void constantClaimingBillionsOfFloatsFromTwentyBytesIsRefused() throws Exception {
        TensorProto huge = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(GraphEdits.shape(50_000, 50_000))
                .addFloatVal(1f).build();
        assertThat(huge.getSerializedSize()).isLessThan(24);
        Path model = GraphEdits.edit(HostileGraphs.benign(dir.resolve("bomb")), m -> {
            m.getGraphDefBuilder().addNode(node("bomb", "Const", List.of(), Map.of("dtype", type(DataType.DT_FLOAT),
                    "value", AttrValue.newBuilder().setTensor(huge).build())));
            return addControlInput(m, "y", "bomb");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("claim 10,000,000,").hasMessageContaining("node 'bomb' (Const)")
                .hasMessageContaining("-Dgraft.savedmodel.maxClaimBytes");
        // the same claim made by Fill from a constant shape
        Path fill = GraphEdits.edit(HostileGraphs.benign(dir.resolve("fill")), m -> {
            m.getGraphDefBuilder().addNode(GraphEdits.intConst("dims", 50_000, 50_000))
                    .addNode(node("one", "Const", List.of(), Map.of("dtype", type(DataType.DT_FLOAT), "value",
                            AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
                                    .setTensorShape(GraphEdits.shape()).addFloatVal(1f)).build())))
                    .addNode(node("filled", "Fill", List.of("dims", "one"), Map.of("T", type(DataType.DT_FLOAT),
                            "index_type", type(DataType.DT_INT32))));
            return addControlInput(m, "y", "filled");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(fill, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("node 'filled' (Fill)");
    }

    @Test
    void deepFunctionChainIsRefusedBeforeTensorFlowSeesIt() throws Exception {
        int depth = 20_000;
        Path model = GraphEdits.edit(HostileGraphs.benign(dir.resolve("deep")), m -> {
            List<FunctionDef> chain = new ArrayList<>();
            for (int i = 0; i < depth; i++) {
                chain.add(function("f" + i, i + 1 < depth ? List.of(call("c", "f" + (i + 1))) : List.of()));
            }
            m.getGraphDefBuilder().getLibraryBuilder().addAllFunction(chain);
            m.getGraphDefBuilder().addNode(call("enter", "f0"));
            return addControlInput(m, "y", "enter");
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("nested function calls, more than the limit of 100")
                .hasMessageContaining("-Dgraft.savedmodel.maxCallDepth");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds to refuse").isLessThan(30);
    }

    @Test
    void recursiveFunctionsAreRefusedIncludingThroughAttributes() throws Exception {
        Path self = GraphEdits.edit(HostileGraphs.benign(dir.resolve("self")), m -> {
            m.getGraphDefBuilder().getLibraryBuilder().addFunction(function("again", List.of(call("c", "again"))));
            m.getGraphDefBuilder().addNode(call("enter", "again"));
            return addControlInput(m, "y", "enter");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(self, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("recursion").hasMessageContaining("again -> again");
        // g's While body is h, and h calls g
        Path mutual = GraphEdits.edit(HostileGraphs.benign(dir.resolve("mutual")), m -> {
            NodeDef loop = node("w", "While", List.of(), Map.of("cond", func("h"), "body", func("h"), "T", types()));
            m.getGraphDefBuilder().getLibraryBuilder().addFunction(function("g", List.of(loop)))
                    .addFunction(function("h", List.of(call("c", "g"))));
            m.getGraphDefBuilder().addNode(call("enter", "g"));
            return addControlInput(m, "y", "enter");
        });
        assertThatThrownBy(() -> ENGINE.openSavedModel(mutual, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("recursion").hasMessageMatching("(?s).*(g -> h -> g|h -> g -> h).*");
    }

    @Test
    void untrustedModelIsDescribedButNeverRunAndTheRefusalNamesTheFlag() throws Exception {
        Path model = graftExport("untrusted");
        try (SavedModel m = ENGINE.openSavedModel(model, "serve")) {
            assertThat(m.trusted()).isFalse();
            assertThat(m.signatures().get("serving_default").inputs()).containsOnlyKeys("x");
            assertThat(m.variables()).isNotEmpty();
            HostTensor x = HostTensor.of(new float[SmallNet.IN], 1, SmallNet.IN);
            assertThatThrownBy(() -> m.run("serving_default", Map.of("x", x), List.of("probs")))
                    .isInstanceOf(EngineException.class).hasMessageContaining("opened as untrusted")
                    .hasMessageContaining("SavedModelOptions.trustedModel()").hasMessageContaining("trusted=true");
            assertThatThrownBy(() -> m.readVariables(List.copyOf(m.variables().keySet())))
                    .isInstanceOf(EngineException.class).hasMessageContaining("SavedModelOptions.trustedModel()");
        }
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            HostTensor x = HostTensor.of(new float[SmallNet.IN], 1, SmallNet.IN);
            assertThat(m.run("serving_default", Map.of("x", x), List.of("probs")).get("probs").floats()).hasSize(SmallNet.CLASSES);
        }
    }

    @Test
    void symbolicLinkInsideTheModelFolderIsRefused() throws Exception {
        Path model = graftExport("linked");
        Path moved = Files.move(model.resolve("variables"), dir.resolve("elsewhere"));
        Files.createSymbolicLink(model.resolve("variables"), moved);
        assertThatThrownBy(() -> ENGINE.openSavedModel(model, "serve", TRUSTED)).isInstanceOf(EngineException.class)
                .hasMessageContaining("is a symbolic link");
    }

    @Test
    void tensorFlowErrorsDuringLoadNameTheModelFolder() throws Exception {
        Path model = graftExport("corrupt");
        Files.write(model.resolve("variables/variables.index"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            assertThatThrownBy(() -> m.readVariables(List.copyOf(m.variables().keySet()))).isInstanceOf(EngineException.class)
                    .hasMessageContaining("TensorFlow could not load SavedModel " + model.toRealPath());
        }
    }

    @Test
    void graftExportStillRunsWithTrustAfterItsSaveSubgraphIsStripped() throws Exception {
        Path model = graftExport("plain");
        try (SavedModel m = ENGINE.openSavedModel(model, "serve", TRUSTED)) {
            assertThat(m.opTypes()).contains("SaveV2", "RestoreV2");
            Map<String, HostTensor> vars = m.readVariables(List.copyOf(m.variables().keySet()));
            assertThat(vars).hasSameSizeAs(m.variables());
        }
    }
}
