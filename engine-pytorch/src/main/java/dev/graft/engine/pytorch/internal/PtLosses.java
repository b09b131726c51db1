package dev.graft.engine.pytorch.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The loss ops on PyTorch, in the semantics Op.java documents, with as few native calls as give
 * the same values and gradients: a training step is short enough on a small head that each call
 * (a dispatch, a tensor and its bookkeeping on both sides of JNI) shows in its time.
 */
final class PtLosses {
    private PtLosses() {
    }

    /**
     * Mean over the batch of {@code -sum_j labels_j * log_softmax(logits)_j}. Class indices (INT32 [N]) pick
     * their log-probability with one gather, {@code -mean(gather(log_softmax(logits), labels))}, instead of a
     * one-hot product and its sum: the same value (the sum had one non-zero term) and the same gradient
     * (-1/N at the label, scattered back), in five calls and four tensors instead of seven and seven; three and
     * two when the labels are a training step's input, whose INT64 column the step's feed has already written
     * ({@link PtScope#classIndexOf}). Probability labels (FLOAT32 [N, C]) take the product.
     */
    static NDArray softmaxCrossEntropy(PtScope s, NDArray logits, NDArray labels) {
        NDArray logp = s.own(logits.logSoftmax(1));
        if (labels.getDataType() == DataType.FLOAT32) {
            return s.own(s.own(s.own(labels.mul(logp)).sum(new int[] {1})).mean()).neg();
        }
        NDArray index = s.classIndexOf(labels);
        if (index == null) {
            index = s.own(s.own(labels.toType(DataType.INT64, false)).reshape(-1, 1));
        }
        // the mean's output is not saved for its backward, so negating it in place keeps autograd's result
        return s.own(s.own(logp.gather(index, 1)).mean()).negi();
    }
}
