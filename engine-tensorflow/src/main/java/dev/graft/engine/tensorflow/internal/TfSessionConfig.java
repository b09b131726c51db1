package dev.graft.engine.tensorflow.internal;

import dev.graft.engine.spi.CpuFeatures;
import dev.graft.engine.spi.EngineException;
import dev.graft.engine.spi.EngineSettings;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * {@link EngineSettings} as a TensorFlow session configuration. Threads name the session's intra-
 * and inter-op pools, but TensorFlow sizes its process-wide pools once, from the first context of
 * the process: DJL's eager context, which {@link TfNativeLibrary} sizes from the first settings. bf16 turns on grappler's oneDNN bfloat16 auto mixed
 * precision: allow-listed ops (MatMul, BatchMatMul, Conv2D and their gradients) run in bfloat16
 * with fp32 accumulation while variables, optimizer state, softmax, losses and normalisation stay
 * fp32. The rewrite happens when a session runs, so the graph itself, and every saved or exported
 * model, stays fp32.
 */
final class TfSessionConfig {
    private TfSessionConfig() {
    }

    /** Refuses settings this machine cannot run, naming what is missing. */
    static void check(EngineSettings s) {
        if (s.precision() == EngineSettings.Precision.BF16) {
            if (!CpuFeatures.nativeBf16() && !Boolean.getBoolean("graft.bf16.emulated")) {
                throw new EngineException("precision=bf16 needs a CPU that executes bfloat16 natively (AVX512-BF16 or "
                        + "AMX-BF16); this CPU has neither, so bf16 would be slower than fp32. Use precision=fp32 "
                        + "(or -Dgraft.bf16.emulated=true to run it anyway, for testing).");
            }
            String onednn = System.getenv("TF_ENABLE_ONEDNN_OPTS");
            if (onednn != null && (onednn.equals("0") || onednn.equalsIgnoreCase("false"))) {
                throw new EngineException("precision=bf16 runs through TensorFlow's oneDNN kernels, but "
                        + "TF_ENABLE_ONEDNN_OPTS=" + onednn + " turns them off; unset it or use precision=fp32");
            }
        }
    }

    static ConfigProto of(EngineSettings s) {
        ConfigProto.Builder b = ConfigProto.newBuilder();
        if (s.threads() > 0) {
            b.setIntraOpParallelismThreads(s.threads());
        }
        if (s.interOpThreads() > 0) {
            b.setInterOpParallelismThreads(s.interOpThreads());
        }
        if (s.precision() == EngineSettings.Precision.BF16) {
            b.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
                    RewriterConfig.newBuilder().setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)));
        }
        return b.build();
    }
}
