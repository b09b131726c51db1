package dev.graft.nlp;

import dev.graft.weights.OnnxModel;
import java.util.HashMap;
import java.util.Map;

/**
 * Names the tensors of a Hugging Face BERT exported to ONNX. Embedding, LayerNorm and bias tensors
 * keep their Hugging Face names ({@code encoder.layer.0.attention.self.query.bias}). The dense
 * kernels are anonymous ({@code onnx::MatMul_787}) and already {@code [in, out]}: each takes the
 * name of the bias its product is added to, with {@code bias} read as {@code weight}, and is not
 * transposed.
 */
final class OnnxBertNames {
    private final Map<String, BertWeights.Target> kernels;

    private OnnxBertNames(Map<String, BertWeights.Target> kernels) {
        this.kernels = kernels;
    }

    static OnnxBertNames of(OnnxModel model) {
        Map<String, BertWeights.Target> kernels = new HashMap<>();
        for (OnnxModel.KernelBinding k : model.matMulKernels()) {
            if (!k.bias().endsWith(".bias")) {
                continue;
            }
            String weight = k.bias().substring(0, k.bias().length() - "bias".length()) + "weight";
            BertWeights.Target t = BertWeights.huggingFaceName(weight);
            if (t != null && t.transpose()) {
                kernels.put(k.kernel(), new BertWeights.Target(t.name(), false));
            }
        }
        return new OnnxBertNames(kernels);
    }

    /** The parameter a tensor maps to, or null. */
    BertWeights.Target target(String tensor) {
        BertWeights.Target k = kernels.get(tensor);
        if (k != null) {
            return k;
        }
        BertWeights.Target t = BertWeights.huggingFaceName(tensor);
        // a named tensor that Hugging Face stores [out, in] would be a kernel the exporter did not
        // anonymise; its layout in an ONNX graph is not known, so it is not mapped
        return t == null || t.transpose() ? null : t;
    }
}
