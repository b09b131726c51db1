package dev.graft.core.pipeline;

import dev.graft.core.config.HeadConfig;

import dev.graft.core.Graft;
import dev.graft.core.spi.Example;
import dev.graft.core.spi.Task;
import dev.graft.core.testing.Data;
import dev.graft.core.testing.TinyBackbone;
import dev.graft.core.train.TrainerConfig;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared set-up for pipeline tests: one Graft, the tiny backbone, small clustered data. */
final class Runs {
    static final Graft GRAFT = Graft.create();
    static final List<Example> DATA = Data.clusters(3, 20, 8, 1);

    private Runs() {
    }

    static TrainerConfig trainer(int epochs) {
        return TrainerConfig.defaults().withEpochs(epochs).withBatchSize(16).withLearningRate(0.01).withSeed(7);
    }

    static Pipeline pipeline(String strategy, Map<String, String> options, TrainerConfig tc, Path cache) {
        return GRAFT.pipeline().data(DATA).backbone("tiny-mlp", Map.of()).strategy(strategy, options)
                .head(HeadConfig.linear(Task.CLASSIFICATION)).trainer(tc).cacheDir(cache);
    }

    /** The weights a run starts from: seeded initial values with the backbone's pretrained weights on top. */
    static Map<String, HostTensor> initial(Network net, long seed) {
        Map<String, HostTensor> m = new LinkedHashMap<>(net.initialValues(seed));
        m.putAll(new TinyBackbone(8, 16, true, 1).weights());
        return m;
    }
}
