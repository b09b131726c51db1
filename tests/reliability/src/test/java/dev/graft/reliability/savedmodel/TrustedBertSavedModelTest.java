package dev.graft.reliability.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.SavedModel;
import dev.graft.engine.spi.SavedModelOptions;
import dev.graft.nlp.PretrainedBert;
import dev.graft.reliability.support.SmallNet;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The real BERT-Base SavedModel, opened with trust: screened, its save subgraph stripped and loaded
 * from a private copy, it gives what TensorFlow's own loader gives on the original folder: the
 * same variables bit for bit and the same signature outputs (to float rounding of threaded sums).
 */
class TrustedBertSavedModelTest {
    static final int T = 128;

    private static Map<String, HostTensor> batch() {
        int[][] sentences = {{101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102},
                {101, 28161, 3488, 1999, 10891, 2056, 7597, 3123, 1017, 1012, 1019, 1003, 102}};
        int[] ids = new int[2 * T];
        int[] mask = new int[2 * T];
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < sentences[s].length; i++) {
                ids[s * T + i] = sentences[s][i];
                mask[s * T + i] = 1;
            }
        }
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        feed.put("input_ids", HostTensor.ofInts(ids, 2, T));
        feed.put("input_mask", HostTensor.ofInts(mask, 2, T));
        feed.put("segment_ids", HostTensor.ofInts(new int[2 * T], 2, T));
        return feed;
    }

    @Test
    void bertBaseRunsWithTrustExactlyAsTensorFlowsOwnLoaderRunsIt() throws Exception {
        Path dir = PretrainedBert.savedModelDir();
        Engine engine = SmallNet.engine();
        Map<String, HostTensor> feed = batch();
        String variable = "module/bert/encoder/layer_11/output/dense/kernel";
        Map<String, HostTensor> graft;
        HostTensor graftVar;
        try (SavedModel m = engine.openSavedModel(dir, "serve", SavedModelOptions.trustedModel())) {
            graft = m.run("serving_default", feed, List.of("pooled_output", "sequence_output"));
            graftVar = m.readVariables(List.of(variable)).get(variable);
        }
        float[] pooled;
        float[] sequence;
        float[] rawVar;
        try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
            SignatureDef sig = b.metaGraphDef().getSignatureDefOrThrow("serving_default");
            Session.Runner r = b.session().runner();
            List<Tensor> in = new java.util.ArrayList<>();
            for (var e : feed.entrySet()) {
                TInt32 t = TInt32.tensorOf(org.tensorflow.ndarray.Shape.of(2, T), DataBuffers.of(e.getValue().ints(), true, false));
                in.add(t);
                r.feed(sig.getInputsOrThrow(e.getKey()).getName(), t);
            }
            r.fetch(sig.getOutputsOrThrow("pooled_output").getName()).fetch(sig.getOutputsOrThrow("sequence_output").getName());
            r.fetch(variable + "/Read/ReadVariableOp");
            try (Result res = r.run()) {
                pooled = floats((TFloat32) res.get(0));
                sequence = floats((TFloat32) res.get(1));
                rawVar = floats((TFloat32) res.get(2));
            }
            in.forEach(Tensor::close);
        }
        double pooledDiff = maxAbsDiff(graft.get("pooled_output").floats(), pooled);
        double sequenceDiff = maxAbsDiff(graft.get("sequence_output").floats(), sequence);
        System.out.printf("BERT-Base through the screen vs TensorFlow's own loader: max |diff| pooled %.2e, sequence %.2e%n",
                pooledDiff, sequenceDiff);
        // the same graph on the same runtime; oneDNN's threaded reductions may reorder float sums
        assertThat(pooledDiff).isLessThan(1e-5);
        assertThat(sequenceDiff).isLessThan(1e-5);
        assertThat(java.util.Arrays.equals(graftVar.floats(), rawVar)).as("variable bit-identical").isTrue();
        assertThat(pooled[0]).isNotEqualTo(pooled[768]);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static float[] floats(TFloat32 t) {
        float[] f = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(f);
        return f;
    }
}
